import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from store.models import (
    Attribute,
    AttributeValue,
    Category,
    Order,
    OrderEvent,
    OrderItem,
    Product,
    ProductAttributeValue,
    ProductImage,
)
from store.services.attributes import attribute_create, attribute_value_create, product_attributes_set
from store.tests.admin_forms import admin_form, list_row
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.images import image_bytes, stored_files, upload
from store.tests.shopping import place_order


@pytest.fixture
def admin_client_for(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/store/category/",
        "/admin/store/category/?q=book",
        "/admin/store/category/add/",
        "/admin/store/product/",
        "/admin/store/product/?q=phone&is_active__exact=1&in_stock=no",
        "/admin/store/product/add/",
    ],
)
def test_managers_browse_the_catalog_in_admin(admin_client_for, url):
    ProductFactory(category=CategoryFactory(name="Books"), name="Phone book", stock=0)

    assert admin_client_for.get(url).status_code == 200


@pytest.mark.django_db
def test_admin_change_pages_open(admin_client_for):
    product = ProductFactory()

    assert admin_client_for.get(f"/admin/store/product/{product.pk}/change/").status_code == 200
    assert admin_client_for.get(f"/admin/store/category/{product.category_id}/change/").status_code == 200


def list_edit(client, product, **values) -> tuple[dict[str, str], str]:
    """The changelist form as loaded now, with `values` typed into the product's row."""
    fields = admin_form(client, "/admin/store/product/", "changelist-form")
    row = list_row(fields, product.pk)
    fields.update({f"{row}-{name}": str(value) for name, value in values.items()})
    return {**fields, "_save": "Save"}, row


def product_state(product) -> tuple:
    return Product.objects.filter(pk=product.pk).values_list("price", "discount_price", "stock", "is_active").get()


@pytest.mark.django_db
def test_price_and_stock_are_edited_in_the_list(admin_client_for):
    product = ProductFactory(price=Decimal("10.00"), stock=1)
    form, _ = list_edit(admin_client_for, product, price="12.50", stock=7)

    response = admin_client_for.post("/admin/store/product/", form)

    assert response.status_code == 302
    assert product_state(product) == (Decimal("12.50"), None, 7, True)


@pytest.mark.django_db
def test_a_list_edit_keeps_the_sales_made_since_the_page_was_loaded(admin_client_for, customer):
    product = ProductFactory(price=Decimal("10.00"), stock=10)
    other = ProductFactory(price=Decimal("5.00"), stock=10)
    form, row = list_edit(admin_client_for, product, price="11.00")
    form[f"{list_row(form, other.pk)}-stock"] = "15"
    place_order(customer, (product, 3), (other, 4))

    response = admin_client_for.post("/admin/store/product/", form)

    assert response.status_code == 302
    # The price-only row keeps the 3 sold; the restocked row gets +5 on top of the 6 left.
    assert product_state(product) == (Decimal("11.00"), None, 7, True)
    assert product_state(other) == (Decimal("5.00"), None, 11, True)


@pytest.mark.django_db
def test_a_list_edit_that_would_make_stock_negative_is_a_form_error_and_saves_nothing(admin_client_for, customer):
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    other = ProductFactory(price=Decimal("5.00"), stock=10)
    form, row = list_edit(admin_client_for, product, stock=2)
    form[f"{list_row(form, other.pk)}-price"] = "6.00"
    place_order(customer, (product, 4))

    response = admin_client_for.post("/admin/store/product/", form)

    assert response.status_code == 200
    assert "The stock is 1 now (5 when the page was loaded); changing it by -3 would make it -2." in (
        response.content.decode()
    )
    assert product_state(product) == (Decimal("10.00"), None, 1, True)
    assert product_state(other) == (Decimal("5.00"), None, 10, True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "loaded", [None, "", "many", "-1", str(2**31)], ids=["missing", "blank", "text", "neg", "huge"]
)
def test_a_list_edit_without_a_valid_loaded_stock_is_a_form_error(admin_client_for, loaded):
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    form, row = list_edit(admin_client_for, product, stock=9)
    if loaded is None:
        del form[f"initial-{row}-stock"]
    else:
        form[f"initial-{row}-stock"] = loaded

    response = admin_client_for.post("/admin/store/product/", form)

    assert response.status_code == 200
    assert "The page is out of date; reload it and enter the stock again." in response.content.decode()
    assert product_state(product) == (Decimal("10.00"), None, 5, True)


@pytest.mark.django_db
def test_a_list_save_locks_the_changed_rows_in_primary_key_order_and_writes_only_changed_fields(admin_client_for):
    first, second, untouched = (ProductFactory(price=Decimal("10.00"), stock=10) for _ in range(3))
    form, _ = list_edit(admin_client_for, second, price="12.00")
    form[f"{list_row(form, first.pk)}-stock"] = "11"

    with CaptureQueriesContext(connection) as queries:
        response = admin_client_for.post("/admin/store/product/", form)

    assert response.status_code == 302
    statements = [query["sql"] for query in queries]
    locks = [sql for sql in statements if "FOR NO KEY UPDATE" in sql]
    writes = [sql for sql in statements if sql.startswith('UPDATE "store_product"')]
    # The first lock covers both changed rows (and only them), in primary-key order, before any write.
    locked_ids = re.search(r'"store_product"\."id" IN \(([\d, ]+)\)', locks[0]).group(1)
    assert sorted(int(pk) for pk in locked_ids.split(", ")) == [first.pk, second.pk]
    assert locks[0].endswith('ORDER BY "store_product"."id" ASC FOR NO KEY UPDATE OF "store_product"')
    assert statements.index(locks[0]) < statements.index(writes[0])
    assert not [sql for sql in writes if sql.endswith(f'WHERE "store_product"."id" = {untouched.pk}')]
    price_write = next(sql for sql in writes if '"price" =' in sql)
    assert '"stock"' not in price_write
    assert [product_state(p)[::2] for p in (first, second, untouched)] == [
        (Decimal("10.00"), 11),
        (Decimal("12.00"), 10),
        (Decimal("10.00"), 10),
    ]


# --- the product change form ------------------------------------------------------------------------------


def change_form(client, product, **values) -> dict[str, str]:
    fields = admin_form(client, f"/admin/store/product/{product.pk}/change/", "product_form")
    return {**fields, **{name: str(value) for name, value in values.items()}}


@pytest.mark.django_db
def test_the_change_form_applies_the_stock_typed_as_a_difference(admin_client_for, customer):
    product = ProductFactory(stock=10, description="Old.")
    form = change_form(admin_client_for, product, description="New.", stock=12)
    place_order(customer, (product, 3))

    response = admin_client_for.post(f"/admin/store/product/{product.pk}/change/", form)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.description, product.stock) == ("New.", 9)


@pytest.mark.django_db
def test_a_description_edit_in_the_change_form_keeps_the_sales_made_meanwhile(admin_client_for, customer):
    product = ProductFactory(stock=10, description="Old.")
    form = change_form(admin_client_for, product, description="New.")
    place_order(customer, (product, 3))

    response = admin_client_for.post(f"/admin/store/product/{product.pk}/change/", form)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.description, product.stock) == ("New.", 7)


@pytest.mark.django_db
def test_the_change_form_refuses_a_stock_below_zero_after_sales(admin_client_for, customer):
    product = ProductFactory(stock=5, description="Old.")
    form = change_form(admin_client_for, product, description="New.", stock=1)
    place_order(customer, (product, 3))

    response = admin_client_for.post(f"/admin/store/product/{product.pk}/change/", form)

    assert response.status_code == 200
    assert "The stock is 2 now (5 when the page was loaded); changing it by -4 would make it -2." in (
        response.content.decode()
    )
    product.refresh_from_db()
    assert (product.description, product.stock) == ("Old.", 2)


@pytest.mark.django_db
def test_the_change_form_moves_a_product_and_its_stock_together(admin_client_for, customer):
    product = ProductFactory(stock=10)
    kitchen = CategoryFactory(name="Kitchen")
    form = change_form(admin_client_for, product, category=kitchen.pk, stock=4)
    place_order(customer, (product, 1))

    response = admin_client_for.post(f"/admin/store/product/{product.pk}/change/", form)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.category, product.stock) == (kitchen, 3)


@pytest.mark.django_db
def test_products_are_added_with_the_stock_typed(admin_client_for):
    category = CategoryFactory()
    form = admin_form(admin_client_for, "/admin/store/product/add/", "product_form")
    form.update(category=str(category.pk), name="Kettle", slug="kettle", sku="KT-1", price="20.00", stock="6")

    response = admin_client_for.post("/admin/store/product/add/", form)

    assert response.status_code == 302
    assert Product.objects.get(slug="kettle").stock == 6


@pytest.mark.django_db
def test_a_category_with_products_cannot_be_deleted_in_admin(admin_client_for):
    product = ProductFactory()

    response = admin_client_for.post(f"/admin/store/category/{product.category_id}/delete/", {"post": "yes"})

    assert response.status_code == 200
    assert Category.objects.filter(pk=product.category_id).exists()
    assert Product.objects.filter(pk=product.pk).exists()


# --- orders -----------------------------------------------------------------------------------------------


@pytest.fixture
def orders_by_status(customer):
    """One order placed through checkout per status, keyed by status."""
    product = ProductFactory(stock=50)
    return {status: place_order(customer, (product, 1), status=status) for status in Order.Status.values}


def without_history(*orders: Order) -> None:
    """Orders placed before the store kept an order history: the only ones the admin can delete (PROTECT)."""
    OrderEvent.objects.filter(order__in=orders).delete()


def delete_actions(client) -> list[str]:
    response = client.get("/admin/store/order/")
    assert response.status_code == 200
    return [name for name, _ in response.context["action_form"].fields["action"].choices if "delete" in name]


@pytest.mark.django_db
def test_managers_cannot_delete_orders(admin_client_for, orders_by_status):
    order = orders_by_status[Order.Status.CANCELLED]

    page = admin_client_for.get(f"/admin/store/order/{order.pk}/delete/")
    posted = admin_client_for.post(f"/admin/store/order/{order.pk}/delete/", {"post": "yes"})
    bulk = admin_client_for.post(
        "/admin/store/order/", {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"}
    )

    assert (page.status_code, posted.status_code) == (403, 403)
    assert delete_actions(admin_client_for) == []
    assert bulk.status_code == 302  # the admin answers an unknown action with a message, deleting nothing
    assert Order.objects.count() == len(Order.Status.values)


@pytest.mark.django_db
def test_admins_delete_a_cancelled_order_with_its_lines(admin_client, orders_by_status):
    order = orders_by_status[Order.Status.CANCELLED]
    without_history(order)

    response = admin_client.post(f"/admin/store/order/{order.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Order.objects.filter(pk=order.pk).exists()
    assert not OrderItem.objects.filter(order_id=order.pk).exists()
    assert delete_actions(admin_client) == ["delete_selected"]


@pytest.mark.django_db
def test_a_cancelled_order_with_a_history_is_kept_with_its_history(admin_client, orders_by_status):
    order = orders_by_status[Order.Status.CANCELLED]
    events = list(order.events.values_list("pk", flat=True))

    response = admin_client.post(f"/admin/store/order/{order.pk}/delete/", {"post": "yes"})
    bulk = admin_client.post(
        "/admin/store/order/", {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"}
    )

    # The admin answers with the page naming the protected history, and deletes nothing.
    assert (response.status_code, bulk.status_code) == (200, 200)
    assert response.context["protected"]
    assert Order.objects.filter(pk=order.pk).exists()
    assert list(order.events.values_list("pk", flat=True)) == events != []


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "paid", "shipped", "delivered"])
def test_admins_cannot_delete_an_order_that_is_not_cancelled(admin_client, orders_by_status, status):
    order = orders_by_status[status]

    page = admin_client.get(f"/admin/store/order/{order.pk}/delete/")
    posted = admin_client.post(f"/admin/store/order/{order.pk}/delete/", {"post": "yes"})

    assert (page.status_code, posted.status_code) == (403, 403)
    assert Order.objects.filter(pk=order.pk, status=status).exists()
    assert OrderItem.objects.filter(order_id=order.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("other", ["pending", "paid"])
def test_a_bulk_delete_including_an_order_not_cancelled_deletes_nothing(admin_client, orders_by_status, other):
    without_history(*orders_by_status.values())
    selected = [orders_by_status[Order.Status.CANCELLED].pk, orders_by_status[other].pk]

    response = admin_client.post(
        "/admin/store/order/", {"action": "delete_selected", "_selected_action": selected, "post": "yes"}
    )

    assert response.status_code == 403
    assert Order.objects.filter(pk__in=selected).count() == 2


@pytest.mark.django_db
def test_a_bulk_delete_of_cancelled_orders_deletes_them(admin_client, customer):
    product = ProductFactory(stock=10)
    cancelled = [place_order(customer, (product, 1), status=Order.Status.CANCELLED).pk for _ in range(2)]
    kept = place_order(customer, (product, 1), status=Order.Status.PAID)
    without_history(*Order.objects.all())

    response = admin_client.post(
        "/admin/store/order/", {"action": "delete_selected", "_selected_action": cancelled, "post": "yes"}
    )

    assert response.status_code == 302
    assert list(Order.objects.values_list("pk", flat=True)) == [kept.pk]


SHIPPING = {
    "name": "Carol Njeri",
    "phone": "+254711111111",
    "address": "1 New Road",
    "line2": "Gate B",
    "city": "Mombasa",
    "region": "Mombasa County",
    "country": "Kenya",
    "postal_code": "80100",
}


def order_shipping(order) -> tuple:
    return Order.objects.filter(pk=order.pk).values_list("status", *SHIPPING).get()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["paid", "shipped", "delivered", "cancelled"])
def test_shipping_fields_are_read_only_once_the_order_is_paid(admin_client, orders_by_status, status):
    order = orders_by_status[status]
    form = admin_form(admin_client, f"/admin/store/order/{order.pk}/change/", "order_form")
    before = order_shipping(order)

    response = admin_client.post(f"/admin/store/order/{order.pk}/change/", {**form, **SHIPPING})

    assert not set(SHIPPING) & set(form)
    assert response.status_code == 302
    assert order_shipping(order) == before


@pytest.mark.django_db
def test_shipping_fields_of_a_pending_order_are_edited_without_writing_its_status_back(admin_client, orders_by_status):
    order = orders_by_status[Order.Status.PENDING]
    form = admin_form(admin_client, f"/admin/store/order/{order.pk}/change/", "order_form")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(f"/admin/store/order/{order.pk}/change/", {**form, **SHIPPING})

    assert response.status_code == 302
    assert order_shipping(order) == ("pending", *SHIPPING.values())
    statements = [query["sql"] for query in queries]
    [write] = [sql for sql in statements if sql.startswith('UPDATE "store_order"')]
    assert '"status"' not in write
    # The status deciding which fields are editable was read under the lock the save still holds.
    [lock] = [sql for sql in statements if sql.endswith('FOR UPDATE OF "store_order"')]
    assert statements.index(lock) < statements.index(write)


@pytest.mark.django_db
def test_deleting_a_customer_with_orders_is_refused(admin_client, customer, orders_by_status):
    response = admin_client.post(f"/admin/accounts/user/{customer.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200
    assert len(response.context["protected"]) == len(Order.Status.values)
    assert Order.objects.filter(user=customer).count() == len(Order.Status.values)


@pytest.mark.django_db
def test_deleting_a_product_keeps_the_order_lines_that_sold_it(admin_client, customer):
    product = ProductFactory(stock=5, name="Kettle", sku="KT-1")
    order = place_order(customer, (product, 2), status=Order.Status.PAID)

    response = admin_client.post(f"/admin/store/product/{product.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert list(order.items.values_list("product_id", "product_name", "sku", "quantity")) == [
        (None, "Kettle", "KT-1", 2)
    ]
    assert Order.objects.filter(pk=order.pk, status=Order.Status.PAID).exists()


@pytest.mark.django_db
def test_attribute_pages_open(admin_client_for):
    colour = attribute_create(name="Colour")
    attribute_value_create(attribute=colour, value="Red")
    waterproof = attribute_create(name="Waterproof", kind=Attribute.Kind.BOOLEAN)

    for url in (
        "/admin/store/attribute/",
        "/admin/store/attribute/add/",
        f"/admin/store/attribute/{colour.pk}/change/",
        f"/admin/store/attribute/{waterproof.pk}/change/",
    ):
        assert admin_client_for.get(url).status_code == 200, url


@pytest.mark.django_db
def test_a_boolean_attribute_added_in_admin_gets_its_two_values(admin_client_for):
    fields = admin_form(admin_client_for, "/admin/store/attribute/add/", "attribute_form")
    fields.update({"name": "Waterproof", "slug": "waterproof", "kind": "boolean", "position": "0"})
    fields.pop("categories")  # a multiple select with nothing chosen sends nothing

    response = admin_client_for.post("/admin/store/attribute/add/", fields)

    assert response.status_code == 302
    assert list(Attribute.objects.get().values.values_list("slug", flat=True)) == ["true", "false"]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["size_max", "Size", "size--max"])
def test_the_admin_refuses_attribute_slugs_the_filters_could_not_read(admin_client_for, slug):
    fields = admin_form(admin_client_for, "/admin/store/attribute/add/", "attribute_form")
    fields.update({"name": "Size", "slug": slug, "kind": "choice", "position": "0"})
    fields.pop("categories")

    response = admin_client_for.post("/admin/store/attribute/add/", fields)

    assert response.status_code == 200 and "single hyphens" in response.content.decode()
    assert not Attribute.objects.exists()


@pytest.mark.django_db
def test_product_attribute_values_edited_in_admin_are_copied_onto_the_product(admin_client_for):
    product = ProductFactory()
    colour = attribute_create(name="Colour")
    red = attribute_value_create(attribute=colour, value="Red")
    weight = attribute_create(name="Weight", kind=Attribute.Kind.NUMBER)
    url = f"/admin/store/product/{product.pk}/change/"
    fields = admin_form(admin_client_for, url, "product_form")
    prefix = "attribute_values"
    fields.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-0-attribute": str(colour.pk),
            f"{prefix}-0-value": str(red.pk),
            f"{prefix}-1-attribute": str(weight.pk),
            f"{prefix}-1-number": "2.5",
        }
    )

    response = admin_client_for.post(url, fields)

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.attribute_value_ids == [red.pk]
    assert product.attribute_numbers == {str(weight.pk): 2.5}


@pytest.mark.django_db
def test_a_value_of_another_attribute_is_a_form_error_in_admin(admin_client_for):
    product = ProductFactory()
    colour, size = attribute_create(name="Colour"), attribute_create(name="Size")
    small = attribute_value_create(attribute=size, value="S")
    url = f"/admin/store/product/{product.pk}/change/"
    fields = admin_form(admin_client_for, url, "product_form")
    fields.update(
        {
            "attribute_values-TOTAL_FORMS": "1",
            "attribute_values-0-attribute": str(colour.pk),
            "attribute_values-0-value": str(small.pk),
        }
    )

    response = admin_client_for.post(url, fields)

    assert response.status_code == 200
    assert not ProductAttributeValue.objects.exists()
    product.refresh_from_db()
    assert product.attribute_value_ids == []


@pytest.mark.django_db
def test_deleting_a_value_in_admin_removes_it_from_the_products(admin_client_for):
    product = ProductFactory()
    colour = attribute_create(name="Colour")
    red = attribute_value_create(attribute=colour, value="Red")
    product_attributes_set(product=product, values={"colour": "red"})
    url = f"/admin/store/attribute/{colour.pk}/change/"
    fields = admin_form(admin_client_for, url, "attribute_form")
    fields["values-0-DELETE"] = "on"

    response = admin_client_for.post(url, fields)

    assert response.status_code == 302
    assert not AttributeValue.objects.filter(pk=red.pk).exists()
    product.refresh_from_db()
    assert product.attribute_value_ids == []


# --- product images -----------------------------------------------------------------------------------------


@pytest.fixture
def product_with_image(manager, media_root, jobs_run_inline, django_capture_on_commit_callbacks):
    product = ProductFactory(category=CategoryFactory(), slug="lamp")
    api = APIClient()
    api.force_authenticate(manager)
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/products/lamp/images/", {"file": upload(image_bytes(size=(900, 600))), "alt_text": "Lit"})
    return product


@pytest.mark.django_db
def test_the_product_page_shows_image_thumbnails(admin_client_for, product_with_image):
    image = ProductImage.objects.get()

    page = admin_client_for.get(f"/admin/store/product/{product_with_image.pk}/change/").content.decode()

    assert f'<img src="/media/{image.renditions["200"]["name"]}" alt="Lit"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("valid", [True, False], ids=["image", "text file"])
def test_an_image_added_in_admin_is_checked_like_an_upload(
    admin_client_for, product_with_image, media_root, jobs_run_inline, django_capture_on_commit_callbacks, valid
):
    url = f"/admin/store/product/{product_with_image.pk}/change/"
    fields = admin_form(admin_client_for, url, "product_form")
    files_before = stored_files(media_root)
    content = image_bytes(size=(300, 300)) if valid else b"plain text" * 10
    fields.update({"images-1-alt_text": "Added", "images-1-position": "4", "images-1-file": upload(content, "x.jpg")})

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for.post(url, fields)

    if valid:
        assert response.status_code == 302
        added = ProductImage.objects.get(alt_text="Added")
        assert (added.position, added.width, list(added.renditions)) == (4, 300, ["200"])
        assert len(stored_files(media_root)) == len(files_before) + 2
    else:
        assert response.status_code == 200
        assert "The file is not a JPEG, PNG or WebP image." in response.content.decode()
        assert ProductImage.objects.count() == 1
        assert stored_files(media_root) == files_before
