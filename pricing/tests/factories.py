from decimal import Decimal

import factory

from accounts.models import Address
from pricing.models import ShippingMethod, ShippingZone, TaxRate, Voucher


class ShippingZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingZone

    name = factory.Sequence(lambda n: f"Zone {n}")
    countries = factory.LazyFunction(lambda: ["KE"])


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod

    zone = factory.SubFactory(ShippingZoneFactory)
    name = factory.Sequence(lambda n: f"Method {n}")
    price = Decimal("300.00")
    days_min, days_max = 2, 5


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate

    country = "KE"
    rate = Decimal("16.00")


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher

    code = factory.Sequence(lambda n: f"CODE{n}")
    kind = Voucher.Kind.PERCENTAGE
    value = Decimal("10.00")


def address_in(user, country: str = "KE", **fields) -> Address:
    return Address.objects.create(
        user=user,
        name="Amina Wanjiru",
        phone="+254700000000",
        line1="12 Moi Avenue",
        city="Nairobi",
        country=country,
        **fields,
    )
