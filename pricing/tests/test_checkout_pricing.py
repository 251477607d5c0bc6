"""The cart summary, the shipping methods and checkout agree: one breakdown, charged as shown."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import ROLES
from pricing.models import Voucher, VoucherUse
from pricing.tests.factories import (
    ShippingMethodFactory,
    ShippingZoneFactory,
    TaxRateFactory,
    VoucherFactory,
    address_in,
)
from store.models import Cart, Order
from store.services.checkout import cart_price_summary, order_place
from store.services.orders import order_cancel, order_expire
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.shopping import fill_cart, world_state

SUMMARY = "/api/cart/summary/"
METHODS = "/api/cart/shipping-methods/"
CHECKOUT = "/api/checkout/"
VOUCHER = "/api/cart/voucher/"
D = Decimal


@pytest.fixture
def shop(db, customer):
    """Kenya at 16% VAT (books at 0%), a standard method free over 5000, a voucher of 10%, a cart of 2 skillets."""
    books = CategoryFactory(name="Books", slug="books")
    skillet = ProductFactory(name="Skillet", price=D("34.90"), stock=10)
    TaxRateFactory(country="KE", rate=D("16.00"))
    TaxRateFactory(country="KE", category=books, rate=D("0.00"))
    zone = ShippingZoneFactory(name="East Africa", countries=["KE", "UG"])
    standard = ShippingMethodFactory(zone=zone, name="Standard", price=D("300.00"), free_over=D("5000.00"))
    abroad = ShippingMethodFactory(zone=ShippingZoneFactory(countries=["DE"]), name="Abroad", price=D("2000.00"))
    voucher = VoucherFactory(code="KARIBU10", value=D("10"))
    home = address_in(customer, "KE", is_default_shipping=True)
    fill_cart(customer, (skillet, 2))
    return {"skillet": skillet, "standard": standard, "abroad": abroad, "voucher": voucher, "home": home}


@pytest.mark.django_db
def test_the_customer_sees_a_breakdown_and_the_order_is_placed_at_exactly_that(client_for, customer, shop):
    client = client_for(customer)
    applied = client.post(VOUCHER, {"code": "karibu10"}, format="json")
    summary = client.get(SUMMARY, {"address_id": shop["home"].pk, "shipping_method_id": shop["standard"].pk})

    assert applied.status_code == 200
    body = summary.json()
    assert {key: body[key] for key in ("subtotal", "discount", "shipping", "tax", "total", "country")} == {
        "subtotal": "69.80",
        "discount": "6.98",
        "shipping": "300.00",
        "tax": "8.66",
        "total": "362.82",
        "country": "KE",
    }
    assert body["voucher"] == {"code": "KARIBU10", "kind": "percentage"}
    assert body["shipping_method"] == {"id": shop["standard"].pk, "name": "Standard"}

    placed = client.post(
        CHECKOUT,
        {"address_id": shop["home"].pk, "shipping_method_id": shop["standard"].pk, "expected_total": body["total"]},
        format="json",
    )

    assert placed.status_code == 201
    order = placed.json()
    assert {
        key: order[key]
        for key in ("subtotal_amount", "discount_amount", "shipping_amount", "tax_amount", "total_amount")
    } == {
        "subtotal_amount": "69.80",
        "discount_amount": "6.98",
        "shipping_amount": "300.00",
        "tax_amount": "8.66",
        "total_amount": "362.82",
    }
    assert (order["shipping_method_name"], order["voucher_code"]) == ("Standard", "KARIBU10")
    (item,) = order["items"]
    assert [item[key] for key in ("discount_amount", "tax_rate", "net_amount", "tax_amount", "gross_amount")] == [
        "6.98",
        "16.00",
        "54.16",
        "8.66",
        "62.82",
    ]
    assert VoucherUse.objects.filter(voucher=shop["voucher"], order_id=order["id"]).count() == 1
    assert Cart.objects.get(user=customer).voucher_id is None


@pytest.mark.django_db
def test_a_total_other_than_the_one_seen_is_409_price_changed_with_the_new_breakdown(client_for, customer, shop):
    client = client_for(customer)
    seen = client.get(SUMMARY, {"shipping_method_id": shop["standard"].pk}).json()["total"]
    shop["skillet"].price = D("39.90")
    shop["skillet"].save()
    before = world_state()

    response = client.post(CHECKOUT, {"shipping_method_id": shop["standard"].pk, "expected_total": seen}, format="json")

    assert (seen, response.status_code, response.json()["code"]) == ("369.80", 409, "price_changed")
    assert response.json()["breakdown"]["total"] == "379.80"
    assert world_state() == before


@pytest.mark.django_db
def test_a_method_that_does_not_deliver_to_the_address_is_400_and_nothing_changes(client_for, customer, shop):
    before = world_state()

    checkout = client_for(customer).post(CHECKOUT, {"shipping_method_id": shop["abroad"].pk}, format="json")
    summary = client_for(customer).get(SUMMARY, {"shipping_method_id": shop["abroad"].pk})

    assert (checkout.status_code, checkout.json()["code"]) == (400, "shipping_method_unavailable")
    assert (summary.status_code, summary.json()["code"]) == (400, "shipping_method_unavailable")
    assert world_state() == before


@pytest.mark.django_db
def test_shipping_methods_list_those_serving_the_address_priced_for_the_cart(
    client_for, customer, shop, django_assert_max_num_queries
):
    ShippingMethodFactory(zone=shop["standard"].zone, name="Express", price=D("900.00"), free_over=D("50.00"))
    ShippingMethodFactory(zone=shop["standard"].zone, name="Retired", is_active=False)
    abroad = address_in(customer, "DE")

    with django_assert_max_num_queries(8):
        response = client_for(customer).get(METHODS, {"address_id": shop["home"].pk})
    elsewhere = client_for(customer).get(METHODS, {"address_id": abroad.pk})

    assert [(method["name"], method["price"], method["cost"]) for method in response.json()] == [
        ("Standard", "300.00", "300.00"),
        ("Express", "900.00", "0.00"),
    ]
    assert [method["name"] for method in elsewhere.json()] == ["Abroad"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_shipping_methods_role_matrix(client_as, role, shop):
    response = client_as(role).get(METHODS)
    expected = {"anonymous": 401, "customer": 200, "other_customer": 200, "manager": 403, "admin": 200}
    assert response.status_code == expected[role]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"address_id": "x"}, {"address_id": "-1"}, {"address_id": str(2**70)}, {"shipping_method_id": "0"}],
    ids=["text", "negative", "huge", "zero"],
)
def test_malformed_summary_and_methods_queries_are_400(client_for, customer, shop, query):
    assert client_for(customer).get(SUMMARY, query).status_code == 400
    if "address_id" in query:
        assert client_for(customer).get(METHODS, query).status_code == 400


@pytest.mark.django_db
def test_another_customers_address_is_404(client_for, customer, other_customer, shop):
    theirs = address_in(other_customer, "KE")
    assert client_for(customer).get(SUMMARY, {"address_id": theirs.pk}).status_code == 404
    assert client_for(customer).get(METHODS, {"address_id": theirs.pk}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"expected_total": "-1.00"},
        {"expected_total": "abc"},
        {"expected_total": "1" * 20},
        {"shipping_method_id": "x"},
        {"shipping_method_id": 2**70},
        {"shipping_method_id": 999999},
    ],
    ids=["negative-total", "text-total", "huge-total", "text-method", "huge-method", "unknown-method"],
)
def test_bad_checkout_pricing_input_is_400_and_changes_nothing(client_for, customer, shop, body):
    before = world_state()
    response = client_for(customer).post(CHECKOUT, body, format="json")
    assert response.status_code == 400
    assert world_state() == before


@pytest.mark.django_db
def test_a_cancelled_or_expired_order_gives_its_voucher_use_back(customer, shop):
    shop["voucher"].usage_limit = 1
    shop["voucher"].save()
    Cart.objects.filter(user=customer).update(voucher=shop["voucher"])
    first, _ = order_place(user=customer)
    assert VoucherUse.objects.filter(voucher=shop["voucher"]).count() == 1

    order_cancel(order_id=first.pk, by=customer)
    fill_cart(customer, (ProductFactory(), 1))
    Cart.objects.filter(user=customer).update(voucher=shop["voucher"])
    second, _ = order_place(user=customer)
    with transaction.atomic():
        order_expire(order=Order.objects.select_for_update().get(pk=second.pk))

    assert second.voucher_code == "KARIBU10"
    assert VoucherUse.objects.filter(voucher=shop["voucher"]).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("profile_country", "country", "tax"), [(" ke", "KE", "9.63"), ("Kenya", None, "0.00")], ids=["code", "name"]
)
def test_without_an_address_the_profiles_country_prices_the_order_when_it_is_a_country_code(
    client_for, customer, shop, profile_country, country, tax
):
    shop["home"].delete()
    customer.profile.country = profile_country
    customer.profile.save()

    summary = client_for(customer).get(SUMMARY).json()

    # 69.80 includes 16 % VAT: 69.80 − 69.80 / 1.16 = 9.63, for Kenya's code in any case and spacing.
    assert (summary["country"], summary["tax"]) == (country, tax)


@pytest.mark.django_db
def test_an_order_with_nothing_to_pay_is_paid_as_it_is_placed(client_for, customer, shop):
    Cart.objects.filter(user=customer).update(voucher=VoucherFactory(code="GIFT", value=D("100")))

    response = client_for(customer).post(CHECKOUT, {}, format="json")

    assert response.status_code == 201
    assert (response.json()["total_amount"], response.json()["status"]) == ("0.00", "paid")
    order = Order.objects.get(pk=response.json()["id"])
    assert list(order.events.values_list("kind", "data__to")) == [("placed", None), ("status_changed", "paid")]
    paying = client_for(customer).post(f"/api/orders/{order.pk}/pay/", {"provider": "fake"}, format="json")
    assert paying.status_code == 409


@pytest.mark.django_db
def test_the_payment_charges_the_orders_total(customer, shop):
    """payments.services.payment_start charges `order.total_amount`, which checkout sets to the breakdown's total."""
    order, _ = order_place(user=customer, shipping_method_id=shop["standard"].pk)
    assert order.total_amount == order.subtotal_amount + order.shipping_amount == D("369.80")


@pytest.mark.django_db
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prices=st.lists(st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2), min_size=1, max_size=4),
    quantity=st.integers(1, 5),
    kind=st.sampled_from(Voucher.Kind.values + [None]),
    value=st.decimals(min_value=D("1"), max_value=D("100"), places=2),
    rate=st.decimals(min_value=D("0"), max_value=D("30"), places=2),
    include_tax=st.booleans(),
    with_shipping=st.booleans(),
)
def test_the_order_placed_equals_the_summary_it_was_placed_from(
    customer, settings, prices, quantity, kind, value, rate, include_tax, with_shipping
):
    settings.PRICES_INCLUDE_TAX = include_tax
    with transaction.atomic():
        TaxRateFactory(country="KE", rate=rate)
        method = ShippingMethodFactory(zone=ShippingZoneFactory(countries=["KE"]), free_over=D("2000.00"))
        address = address_in(customer, "KE")
        fill_cart(customer, *[(ProductFactory(price=price, stock=10), quantity) for price in prices])
        if kind is not None:
            Cart.objects.filter(user=customer).update(voucher=VoucherFactory(kind=kind, value=value))
        method_id = method.pk if with_shipping else None

        summary = cart_price_summary(user=customer, address_id=address.pk, shipping_method_id=method_id)
        order, _ = order_place(
            user=customer, address_id=address.pk, shipping_method_id=method_id, expected_total=D(summary["total"])
        )

        assert [
            str(getattr(order, field))
            for field in ("subtotal_amount", "discount_amount", "shipping_amount", "tax_amount", "total_amount")
        ] == [summary[key] for key in ("subtotal", "discount", "shipping", "tax", "total")]
        assert [
            (item.product_id, str(item.discount_amount), str(item.net_amount), str(item.tax_amount))
            for item in order.items.order_by("product_id")
        ] == [(line["product_id"], line["discount"], line["net"], line["tax"]) for line in summary["items"]]
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_order_emails_show_the_breakdown(customer, shop):
    Cart.objects.filter(user=customer).update(voucher=shop["voucher"])
    order, _ = order_place(user=customer, shipping_method_id=shop["standard"].pk)
    context = {"user": customer, "order": order, "items": list(order.items.all())}

    text = render_to_string("store/emails/order_reminder.txt", context)
    html = render_to_string("store/emails/order_reminder.html", context)

    assert (
        "Subtotal: 69.80\nDiscount (KARIBU10): -6.98\nShipping (Standard): 300.00\nTax included: 8.66\n"
        "Total: 362.82\n" in text
    )
    assert 'Shipping (Standard)</td><td align="right">300.00' in html
