"""Cart rules at the service level: quantities against the stock, merging lines, products no longer for sale."""

import pytest

from store.errors import CartItemNotFound, CartQuantityInvalid, ErrorCode
from store.models import Product
from store.services.cart import cart_item_add, cart_item_delete, cart_item_update
from store.tests.factories import ProductFactory
from store.tests.shopping import cart_state, fill_cart, world_state


@pytest.fixture
def product(db):
    return ProductFactory(stock=5)


@pytest.mark.django_db
def test_adding_a_product_creates_a_line(customer, product):
    item, created = cart_item_add(user=customer, product=product, quantity=2)

    assert created
    assert (item.product, item.quantity) == (product, 2)
    assert cart_state(customer) == [(product.pk, 2)]


@pytest.mark.django_db
def test_adding_a_product_already_in_the_cart_merges_the_quantities(customer, product):
    (line,) = fill_cart(customer, (product, 1))

    item, created = cart_item_add(user=customer, product=product, quantity=3)

    assert not created
    assert (item.pk, item.quantity) == (line.pk, 4)
    assert cart_state(customer) == [(product.pk, 4)]


@pytest.mark.django_db
def test_adding_up_to_exactly_the_stock_is_allowed(customer, product):
    fill_cart(customer, (product, 2))

    item, _ = cart_item_add(user=customer, product=product, quantity=3)

    assert item.quantity == 5


@pytest.mark.django_db
def test_adding_more_than_the_stock_is_refused(customer, product):
    before = world_state()

    with pytest.raises(CartQuantityInvalid) as refused:
        cart_item_add(user=customer, product=product, quantity=6)

    assert refused.value.code == ErrorCode.QUANTITY_ABOVE_STOCK
    assert refused.value.data == {"items": [{"product_id": product.pk, "requested": 6, "available": 5}]}
    assert world_state() == before


@pytest.mark.django_db
def test_the_merged_quantity_may_not_exceed_the_stock(customer, product):
    fill_cart(customer, (product, 3))
    before = world_state()

    with pytest.raises(CartQuantityInvalid) as refused:
        cart_item_add(user=customer, product=product, quantity=3)

    assert refused.value.data == {"items": [{"product_id": product.pk, "requested": 6, "available": 5}]}
    assert world_state() == before


@pytest.mark.django_db
def test_each_user_has_a_cart_of_their_own(customer, other_customer, product):
    fill_cart(other_customer, (product, 4))

    _, created = cart_item_add(user=customer, product=product, quantity=2)

    assert created
    assert (cart_state(customer), cart_state(other_customer)) == ([(product.pk, 2)], [(product.pk, 4)])


# --- one line ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_line_is_set_to_any_quantity_up_to_the_stock(customer, product):
    (line,) = fill_cart(customer, (product, 1))

    item = cart_item_update(user=customer, item_id=line.pk, quantity=5)

    assert item.quantity == 5
    assert cart_state(customer) == [(product.pk, 5)]


@pytest.mark.django_db
def test_a_line_cannot_be_set_above_the_stock(customer, product):
    (line,) = fill_cart(customer, (product, 2))
    before = world_state()

    with pytest.raises(CartQuantityInvalid) as refused:
        cart_item_update(user=customer, item_id=line.pk, quantity=6)

    assert refused.value.code == ErrorCode.QUANTITY_ABOVE_STOCK
    assert refused.value.data == {"items": [{"product_id": product.pk, "requested": 6, "available": 5}]}
    assert world_state() == before


@pytest.mark.django_db
def test_a_line_of_a_product_no_longer_for_sale_cannot_be_changed(customer, product):
    (line,) = fill_cart(customer, (product, 2))
    Product.objects.filter(pk=product.pk).update(is_active=False)
    before = world_state()

    with pytest.raises(CartQuantityInvalid) as refused:
        cart_item_update(user=customer, item_id=line.pk, quantity=1)

    assert refused.value.detail == "This product is not for sale."
    assert refused.value.data == {"items": [{"product_id": product.pk, "requested": 1, "available": 0}]}
    assert world_state() == before


@pytest.mark.django_db
def test_another_users_line_is_not_found(customer, other_customer, product):
    (line,) = fill_cart(customer, (product, 2))
    before = world_state()

    with pytest.raises(CartItemNotFound) as updated:
        cart_item_update(user=other_customer, item_id=line.pk, quantity=1)
    with pytest.raises(CartItemNotFound) as deleted:
        cart_item_delete(user=other_customer, item_id=line.pk)

    assert updated.value.code == deleted.value.code == "not_found"
    assert world_state() == before


@pytest.mark.django_db
def test_deleting_a_line_removes_that_line_only(customer, product):
    other = ProductFactory()
    line, _ = fill_cart(customer, (product, 2), (other, 1))

    cart_item_delete(user=customer, item_id=line.pk)

    assert cart_state(customer) == [(other.pk, 1)]
