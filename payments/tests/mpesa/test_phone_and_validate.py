from decimal import Decimal

import pytest

from payments.providers.base import PaymentRequestInvalid
from payments.providers.mpesa import mpesa_phone_normalise


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("0712345678", "254712345678"),
        ("0112345678", "254112345678"),
        ("+254712345678", "254712345678"),
        ("+254112345678", "254112345678"),
        ("254712345678", "254712345678"),
        ("254112345678", "254112345678"),
        ("0712 345 678", "254712345678"),
        ("0712-345-678", "254712345678"),
        ("+254 712-345 678", "254712345678"),
        (" 0798765432 ", "254798765432"),
    ],
)
def test_kenyan_mobile_numbers_become_daraja_msisdns(raw, normalised):
    assert mpesa_phone_normalise(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("071234567", id="too-short"),
        pytest.param("07123456789", id="too-long"),
        pytest.param("+2547123456789", id="international-too-long"),
        pytest.param("+255712345678", id="tanzania"),
        pytest.param("+14155550100", id="usa"),
        pytest.param("0201234567", id="nairobi-landline"),
        pytest.param("2540712345678", id="country-code-and-trunk-zero"),
        pytest.param("07123a5678", id="letter"),
        pytest.param("0712.345.678", id="dots"),
        pytest.param("++254712345678", id="two-plus-signs"),
        pytest.param("\u0660\u0667\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", id="arabic-indic-digits"),
        pytest.param(None, id="none"),
    ],
)
def test_anything_else_is_not_an_mpesa_number(raw):
    with pytest.raises(ValueError):
        mpesa_phone_normalise(raw)


def test_validate_returns_the_normalised_phone_without_calling_daraja(provider, daraja):
    assert provider.validate(amount=Decimal("1500.00"), currency="KES", phone="0712 345 678") == "254712345678"

    assert daraja.requests == []


@pytest.mark.parametrize("amount", ["1", "250000", "99.00"])
def test_whole_shillings_within_mpesa_limits_are_payable(provider, amount):
    assert provider.validate(amount=Decimal(amount), currency="KES", phone="0712345678") == "254712345678"


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("1499.50", id="cents"),
        pytest.param("0.99", id="under-one-shilling"),
        pytest.param("0", id="zero"),
        pytest.param("-5", id="negative"),
        pytest.param("250001", id="over-the-mpesa-limit"),
        pytest.param("NaN", id="not-a-number"),
        pytest.param("Infinity", id="infinite"),
        pytest.param("sNaN", id="signalling-not-a-number"),
    ],
)
def test_an_amount_mpesa_cannot_take_is_not_payable(provider, daraja, amount):
    with pytest.raises(PaymentRequestInvalid) as refused:
        provider.validate(amount=Decimal(amount), currency="KES", phone="0712345678")

    assert refused.value.code == "amount_not_payable"
    assert refused.value.field is None
    assert daraja.requests == []


@pytest.mark.parametrize("currency", ["USD", "EUR", "UGX", ""])
def test_mpesa_takes_shillings_only(provider, currency):
    with pytest.raises(PaymentRequestInvalid) as refused:
        provider.validate(amount=Decimal("100"), currency=currency, phone="0712345678")

    assert refused.value.code == "currency_not_supported"


@pytest.mark.parametrize("phone", ["", "12345", "+255712345678", "0712 345 67x"])
def test_a_missing_or_foreign_phone_is_an_invalid_phone(provider, daraja, phone):
    with pytest.raises(PaymentRequestInvalid) as refused:
        provider.validate(amount=Decimal("100"), currency="KES", phone=phone)

    assert (refused.value.code, refused.value.field) == ("invalid_phone", "phone")
    assert daraja.requests == []
