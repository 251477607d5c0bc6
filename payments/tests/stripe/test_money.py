from decimal import Decimal

import pytest

from payments.money import from_minor_units, minor_unit_digits, to_minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("12.34"), "KES", 1234),
        (Decimal("12.3"), "KES", 1230),
        (Decimal("12"), "kes", 1200),
        (Decimal("0.01"), "USD", 1),
        (Decimal("1500"), "JPY", 1500),
        (Decimal("1500.00"), "JPY", 1500),
        (Decimal("1.234"), "KWD", 1234),
        (Decimal("0.001"), "KWD", 1),
        (Decimal("9999999999.99"), "KES", 999999999999),
        (Decimal("123456789012345678.90"), "KES", 12345678901234567890),
    ],
    ids=[
        "kes",
        "kes-one-digit",
        "kes-lowercase-whole",
        "usd-cent",
        "jpy",
        "jpy-zero-decimals",
        "kwd",
        "kwd-fils",
        "largest-order-amount",
        "beyond-64-bits",
    ],
)
def test_to_minor_units(amount, currency, minor):
    assert to_minor_units(amount, currency) == minor
    assert isinstance(to_minor_units(amount, currency), int)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (Decimal("12.345"), "KES"),
        (Decimal("0.001"), "USD"),
        (Decimal("1500.5"), "JPY"),
        (Decimal("0.0001"), "KWD"),
    ],
    ids=["kes-tenth-of-cent", "usd-tenth-of-cent", "jpy-half-yen", "kwd-tenth-of-fils"],
)
def test_to_minor_units_refuses_an_amount_finer_than_the_minor_unit(amount, currency):
    with pytest.raises(ValueError, match="finer than the currency's minor unit"):
        to_minor_units(amount, currency)


@pytest.mark.parametrize(
    ("minor", "currency", "amount"),
    [
        (1234, "KES", Decimal("12.34")),
        (1200, "KES", Decimal("12.00")),
        (1, "usd", Decimal("0.01")),
        (1500, "JPY", Decimal("1500")),
        (1234, "KWD", Decimal("1.234")),
        (0, "KES", Decimal("0.00")),
        (12345678901234567890, "KES", Decimal("123456789012345678.90")),
    ],
    ids=["kes", "kes-whole", "usd-lowercase", "jpy", "kwd", "zero", "beyond-64-bits"],
)
def test_from_minor_units(minor, currency, amount):
    converted = from_minor_units(minor, currency)
    assert converted == amount
    assert converted.as_tuple().exponent == -minor_unit_digits(currency)


@pytest.mark.parametrize("currency", ["KES", "JPY", "KWD"])
def test_minor_units_round_trip(currency):
    amount = from_minor_units(987654321, currency)
    assert to_minor_units(amount, currency) == 987654321
