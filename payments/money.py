"""Money at the providers' edge: amounts stay `Decimal` in the store and become integers of the currency's minor
unit (cents; whole shillings for M-Pesa) only in the request to a provider."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not the cent (Stripe lists its zero-decimal currencies).
MINOR_UNIT_DIGITS = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "MGA": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "JOD": 3,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
}


def minor_unit_digits(currency: str) -> int:
    return MINOR_UNIT_DIGITS.get(currency.upper(), 2)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """`Decimal("12.34")` KES is 1234. An amount finer than the currency's minor unit is a ValueError, never rounded."""
    scaled = amount.scaleb(minor_unit_digits(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} is finer than the currency's minor unit.")
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    digits = minor_unit_digits(currency)
    return (Decimal(value).scaleb(-digits)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
