from decimal import Decimal

import pytest

from pricing.tests.factories import ShippingMethodFactory, TaxRateFactory, VoucherFactory
from store.models import Cart
from store.services.checkout import order_place
from store.tests.factories import ProductFactory
from store.tests.shopping import fill_cart


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["pricing/shippingzone/", "pricing/shippingmethod/", "pricing/taxrate/", "pricing/voucher/"]
)
def test_pricing_admin_lists_load(admin_client, url):
    ShippingMethodFactory()
    TaxRateFactory()
    VoucherFactory()
    assert admin_client.get(f"/admin/{url}").status_code == 200
    assert admin_client.get(f"/admin/{url}add/").status_code == 200


@pytest.mark.django_db
def test_the_order_admin_shows_the_breakdown(admin_client, customer):
    method = ShippingMethodFactory(name="Standard", zone__countries=["KE"])
    customer.profile.country = "KE"
    customer.profile.save()
    fill_cart(customer, (ProductFactory(price=Decimal("100.00")), 1))
    Cart.objects.filter(user=customer).update(voucher=VoucherFactory(code="KARIBU10"))
    order, _ = order_place(user=customer, shipping_method_id=method.pk)

    page = admin_client.get(f"/admin/store/order/{order.pk}/change/").content.decode()

    assert "KARIBU10" in page and "Standard" in page and "390.00" in page
