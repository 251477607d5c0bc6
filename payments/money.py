"""Money at the providers' edge: amounts stay `Decimal` in the store and become integers of the currency's minor
unit (cents; whole shillings for M-Pesa) only in the request to a provider."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not the cent (Stripe's zero-decimal and three-decimal currencies).
ZERO_DECIMAL = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


def minor_unit_digits(currency: str) -> int:
    currency = currency.upper()
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """`Decimal("12.34")` KES is 1234. An amount finer than the currency's minor unit is a ValueError, never rounded."""
    scaled = amount.scaleb(minor_unit_digits(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} is finer than the currency's minor unit.")
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    digits = minor_unit_digits(currency)
    return (Decimal(value).scaleb(-digits)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
