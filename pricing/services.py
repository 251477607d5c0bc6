"""Pricing around the one calculation (pricing/calculation.py): what it needs read from the database, the
vouchers' rules, a cart's voucher, and giving a voucher's use back."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from payments.money import minor_unit_digits
from pricing.calculation import Breakdown, CartLine, ShippingChoice, VoucherTerms, price_breakdown
from pricing.errors import (
    ShippingMethodUnavailable,
    VoucherBelowMinimum,
    VoucherExpired,
    VoucherInvalid,
    VoucherNotApplicable,
    VoucherNotStarted,
    VoucherRefused,
    VoucherUsedUp,
)
from pricing.models import ShippingMethod, TaxRate, Voucher, VoucherUse
from store.errors import CartEmpty
from store.models import Cart, CartItem, Order
from store.services.cart import cart_lock


def currency_digits() -> int:
    return minor_unit_digits(settings.STORE_CURRENCY)


def cart_lines(*, items: list[CartItem]) -> list[CartLine]:
    """The calculation's lines for cart lines whose product is loaded, at its current final price."""
    return [
        CartLine(
            product_id=item.product_id,
            category_id=item.product.category_id,
            name=item.product.name,
            quantity=item.quantity,
            unit_price=item.product.final_price,
        )
        for item in items
    ]


def tax_rates_for(*, country: str) -> dict[int | None, Decimal]:
    return dict(TaxRate.objects.filter(country=country).values_list("category_id", "rate")) if country else {}


def shipping_methods_for(*, country: str) -> list[ShippingMethod]:
    """The active methods of the zones that deliver to `country`, cheapest first."""
    if not country:
        return []
    return list(
        ShippingMethod.objects.filter(is_active=True, zone__countries__contains=[country]).select_related("zone")
    )


def shipping_choice(*, method_id: int, country: str) -> ShippingChoice:
    """The method `method_id`, if it is active and delivers to `country` (else `ShippingMethodUnavailable`)."""
    method = ShippingMethod.objects.filter(pk=method_id, is_active=True, zone__countries__contains=[country]).first()
    if method is None or not country:
        raise ShippingMethodUnavailable()
    return ShippingChoice(method_id=method.pk, name=method.name, price=method.price, free_over=method.free_over)


def voucher_terms(*, voucher: Voucher) -> VoucherTerms:
    return VoucherTerms(
        code=voucher.code,
        kind=voucher.kind,
        value=voucher.value,
        category_ids=frozenset(voucher.categories.values_list("pk", flat=True)),
        product_ids=frozenset(voucher.products.values_list("pk", flat=True)),
    )


def voucher_refusal(
    *, voucher: Voucher, terms: VoucherTerms, user: User, lines: list[CartLine]
) -> VoucherRefused | None:
    """Why `voucher` cannot be used for `lines` by `user` now, or None. Uses are counted as they stand: checkout
    counts them under the voucher's row lock, so two checkouts cannot both take the last use."""
    now = timezone.now()
    if not voucher.is_active:
        return VoucherInvalid()
    if voucher.valid_from is not None and now < voucher.valid_from:
        return VoucherNotStarted()
    if voucher.valid_until is not None and now >= voucher.valid_until:
        return VoucherExpired()
    if voucher.usage_limit is not None and voucher.uses.count() >= voucher.usage_limit:
        return VoucherUsedUp()
    if voucher.per_customer_limit is not None and voucher.uses.filter(user=user).count() >= voucher.per_customer_limit:
        return VoucherUsedUp("You have used this voucher as often as you may.")
    if voucher.kind != Voucher.Kind.FREE_SHIPPING and not any(terms.covers(line) for line in lines):
        return VoucherNotApplicable()
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    if subtotal < voucher.min_subtotal:
        return VoucherBelowMinimum(
            f"This voucher needs a subtotal of at least {voucher.min_subtotal}.", min_subtotal=str(voucher.min_subtotal)
        )
    return None


def cart_quote(
    *,
    lines: list[CartLine],
    user: User | None,
    country: str,
    shipping_method_id: int | None,
    voucher: Voucher | None,
) -> tuple[Breakdown, VoucherRefused | None]:
    """The breakdown of the lines to `country`; a voucher that cannot be used is left out and its refusal returned."""
    shipping = None if shipping_method_id is None else shipping_choice(method_id=shipping_method_id, country=country)
    terms, refusal = None, None
    if voucher is not None:
        terms = voucher_terms(voucher=voucher)
        refusal = voucher_refusal(voucher=voucher, terms=terms, user=user, lines=lines)
    breakdown = price_breakdown(
        lines=lines,
        shipping_method=shipping,
        voucher=None if refusal else terms,
        tax_rates=tax_rates_for(country=country),
        prices_include_tax=settings.PRICES_INCLUDE_TAX,
        digits=currency_digits(),
    )
    return breakdown, refusal


def breakdown_as_dict(*, breakdown: Breakdown, country: str, refusal: VoucherRefused | None = None) -> dict:
    """The breakdown as the API shows it (the cart summary, and the body of a refused checkout)."""
    method, terms = breakdown.shipping_method, breakdown.voucher
    return {
        "lines": len(breakdown.lines),
        "quantity": sum(line.quantity for line in breakdown.lines),
        "subtotal": str(breakdown.subtotal),
        "discount": str(breakdown.discount),
        "shipping": str(breakdown.shipping),
        "tax": str(breakdown.tax),
        "total": str(breakdown.total),
        "currency": settings.STORE_CURRENCY,
        "prices_include_tax": breakdown.prices_include_tax,
        "country": country or None,
        "shipping_method": None if method is None else {"id": method.method_id, "name": method.name},
        "voucher": None if terms is None else {"code": terms.code, "kind": terms.kind},
        "voucher_error": None if refusal is None else {"code": str(refusal.code), "detail": refusal.detail},
        "items": [
            {
                "product_id": line.product_id,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
                "discount": str(line.discount),
                "tax_rate": str(line.tax_rate),
                "net": str(line.net),
                "tax": str(line.tax),
                "gross": str(line.gross),
            }
            for line in breakdown.lines
        ],
    }


def voucher_find(*, code: str) -> Voucher:
    voucher = Voucher.objects.filter(code__iexact=code.strip()).first() if code.strip() else None
    if voucher is None:
        raise VoucherInvalid()
    return voucher


@transaction.atomic
def cart_voucher_apply(*, user: User, code: str) -> Cart:
    """Put the voucher `code` (any letter case) on the user's cart, if it can be used for the cart as it is."""
    cart = cart_lock(user=user)
    voucher = voucher_find(code=code)
    items = list(cart.items.select_related("product").order_by("product_id"))
    if not items:
        raise CartEmpty()
    lines = cart_lines(items=items)
    refusal = voucher_refusal(voucher=voucher, terms=voucher_terms(voucher=voucher), user=user, lines=lines)
    if refusal is not None:
        raise refusal
    cart.voucher = voucher
    cart.save(update_fields=["voucher", "updated_at"])
    return cart


@transaction.atomic
def cart_voucher_remove(*, user: User) -> None:
    cart = cart_lock(user=user)
    if cart.voucher_id is not None:
        cart.voucher = None
        cart.save(update_fields=["voucher", "updated_at"])


def voucher_lock(*, voucher_id: int) -> Voucher | None:
    """The voucher row, locked: checkouts using one voucher count its uses one at a time."""
    return Voucher.objects.select_for_update(of=("self",)).filter(pk=voucher_id).first()


def voucher_use_record(*, voucher: Voucher, order: Order) -> VoucherUse:
    return VoucherUse.objects.create(voucher=voucher, order=order, user_id=order.user_id)


def voucher_use_release(*, order: Order) -> int:
    """Give back the use an order made of its voucher (the order was cancelled or expired)."""
    return VoucherUse.objects.filter(order=order).delete()[0]
