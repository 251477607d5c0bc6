"""Checkout: the cart becomes a pending order, the stock is deducted and the cart emptied, all at once."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from accounts.countries import COUNTRY_CODES
from accounts.errors import AddressNotFound, EmailNotVerified
from accounts.models import User
from accounts.selectors import address_default_shipping, address_get, profile_get_for_user
from pricing.calculation import CartLine, ShippingChoice
from pricing.errors import CheckoutRefused
from pricing.services import (
    breakdown_as_dict,
    cart_lines,
    cart_quote,
    shipping_methods_for,
    voucher_lock,
    voucher_use_record,
)
from store.errors import CartEmpty, InsufficientStock, ProductUnavailable, TooManyPendingOrders
from store.models import Cart, CartItem, Order, OrderEvent, OrderItem, StockMovement
from store.selectors.cart import cart_item_list
from store.services.cart import cart_lock
from store.services.catalog import line_detail, products_lock
from store.services.orders import order_event_record
from store.services.stock import stock_apply


@transaction.atomic
def order_place(
    *,
    user: User,
    idempotency_key: str = "",
    address_id: int | None = None,
    shipping_method_id: int | None = None,
    expected_total: Decimal | None = None,
) -> tuple[Order, bool]:
    """Turn the user's cart into a pending order; returns the order and whether it was created now.

    With an idempotency key, a repeated call returns the order first placed with that key and changes
    nothing. The cart row lock makes one user's checkouts run one at a time, so a concurrent retry waits
    for the first attempt and then finds its order. Product rows are locked in primary-key order and
    checked under the lock; on any shortfall nothing is written.

    A user may hold at most `MAX_PENDING_ORDERS_PER_CUSTOMER` pending orders, whatever their role; they are
    counted under the cart lock, so two checkouts at the limit cannot both pass.

    With `REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT` on, a user whose email address is not verified is refused.

    The order gets a copy of the shipping address: the user's address `address_id` (another user's is
    `AddressNotFound`), else their default shipping address, else their profile's shipping details.

    The amounts come from the one price calculation (pricing/calculation.py) over what was read under the locks:
    the products, the shipping method `shipping_method_id` (it must deliver to the address's country, else
    `ShippingMethodUnavailable`; none: no shipping charged) and the cart's voucher, whose row is locked last so
    its uses are counted one checkout at a time. A voucher that can no longer be used is a `CheckoutRefused`
    with the voucher's code; with `expected_total`, a different total is a `CheckoutRefused` (`price_changed`).
    Both carry the new breakdown, and nothing is written. An order with nothing to pay (a voucher took it all)
    is paid as it is placed."""
    if settings.REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT and not user.email_verified:
        raise EmailNotVerified()
    cart = cart_lock(user=user)
    if idempotency_key:
        placed = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if placed is not None:
            return placed, False
    limit = settings.MAX_PENDING_ORDERS_PER_CUSTOMER
    if Order.objects.filter(user=user, status=Order.Status.PENDING).count() >= limit:
        raise TooManyPendingOrders(
            f"You already have {limit} pending orders; pay for or cancel one before placing another.", limit=limit
        )
    lines = list(cart.items.order_by("product_id"))
    if not lines:
        raise CartEmpty()
    shipping = shipping_details(user=user, address_id=address_id)

    products = {product.pk: product for product in products_lock(product_ids=[line.product_id for line in lines])}
    unavailable = [line for line in lines if line.product_id not in products or not products[line.product_id].is_active]
    if unavailable:
        raise ProductUnavailable(
            items=[
                line_detail(product_id=line.product_id, requested=line.quantity, available=0) for line in unavailable
            ]
        )
    short = [line for line in lines if products[line.product_id].stock < line.quantity]
    if short:
        raise InsufficientStock(
            items=[
                line_detail(
                    product_id=line.product_id, requested=line.quantity, available=products[line.product_id].stock
                )
                for line in short
            ]
        )

    voucher = voucher_lock(voucher_id=cart.voucher_id) if cart.voucher_id is not None else None
    priced_lines = [
        CartLine(
            product_id=line.product_id,
            category_id=products[line.product_id].category_id,
            name=products[line.product_id].name,
            quantity=line.quantity,
            unit_price=products[line.product_id].final_price,
        )
        for line in lines
    ]
    country = pricing_country(shipping["country"])
    breakdown, refusal = cart_quote(
        lines=priced_lines, user=user, country=country, shipping_method_id=shipping_method_id, voucher=voucher
    )
    if refusal is not None:
        raise CheckoutRefused(
            refusal.detail,
            code=refusal.code,
            breakdown=breakdown_as_dict(breakdown=breakdown, country=country, refusal=refusal),
        )
    if expected_total is not None and expected_total != breakdown.total:
        raise CheckoutRefused(breakdown=breakdown_as_dict(breakdown=breakdown, country=country))

    order = Order.objects.create(
        user=user,
        status=Order.Status.PENDING,
        subtotal_amount=breakdown.subtotal,
        discount_amount=breakdown.discount,
        shipping_amount=breakdown.shipping,
        tax_amount=breakdown.tax,
        total_amount=breakdown.total,
        prices_include_tax=breakdown.prices_include_tax,
        shipping_method_name=breakdown.shipping_method.name if breakdown.shipping_method else "",
        voucher_code=breakdown.voucher.code if breakdown.voucher else "",
        idempotency_key=idempotency_key,
        **shipping,
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=products[priced.product_id],
            product_name=priced.name,
            sku=products[priced.product_id].sku,
            quantity=priced.quantity,
            price_at_purchase=priced.unit_price,
            discount_amount=priced.discount,
            tax_rate=priced.tax_rate,
            net_amount=priced.net,
            tax_amount=priced.tax,
            gross_amount=priced.gross,
        )
        for priced in breakdown.lines
    )
    stock_apply(
        locked=products.values(),
        deltas={line.product_id: -line.quantity for line in lines},
        reason=StockMovement.Reason.SALE,
        order=order,
        actor=user,
    )
    if voucher is not None:
        voucher_use_record(voucher=voucher, order=order)
        cart.voucher = None
        cart.save(update_fields=["voucher", "updated_at"])
    CartItem.objects.filter(cart=cart).delete()
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        actor=user,
        data={"total_amount": str(order.total_amount), "item_count": len(lines)},
    )
    if order.total_amount == 0:
        # A voucher took everything off: no provider takes a payment of nothing, so the order is paid as placed.
        order.status = Order.Status.PAID
        order.save(update_fields=["status", "updated_at"])
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.STATUS_CHANGED,
            actor=user,
            data={"from": Order.Status.PENDING, "to": Order.Status.PAID, "reason": "nothing to pay"},
        )
    return order, True


def pricing_country(country: str) -> str:
    """The ISO code that shipping zones and tax rates are looked up by. Address-book countries are codes already;
    a profile's free-text country counts when it is one (`ke ` is KE), and is unknown (no tax, no shipping
    methods) otherwise."""
    code = country.strip().upper()
    return code if code in COUNTRY_CODES else ""


def shipping_details(*, user: User, address_id: int | None) -> dict[str, str]:
    """The order's copy of its shipping address: the chosen address, the default one, or the profile's details."""
    address = (
        address_get(user=user, address_id=address_id) if address_id is not None else address_default_shipping(user=user)
    )
    if address is not None:
        return {
            "name": address.name,
            "phone": address.phone,
            "address": address.line1,
            "line2": address.line2,
            "city": address.city,
            "region": address.region,
            "country": address.country,
            "postal_code": address.postal_code,
        }
    profile = profile_get_for_user(user=user)
    return {
        "name": user.get_full_name(),
        "phone": profile.phone,
        "address": profile.address,
        "city": profile.city,
        "country": profile.country,
        "postal_code": profile.postal_code,
    }


def _summary_country(*, user: User | None, address_id: int | None) -> str:
    if user is None:
        if address_id is not None:
            raise AddressNotFound()
        return ""
    return pricing_country(shipping_details(user=user, address_id=address_id)["country"])


def cart_price_summary(
    *,
    user: User | None = None,
    guest_cart: Cart | None = None,
    address_id: int | None = None,
    shipping_method_id: int | None = None,
) -> dict:
    """What checkout would charge now for the cart shipped to `address_id` (else as checkout picks the address)
    by `shipping_method_id`: the same calculation over the same inputs, read without locks."""
    country = _summary_country(user=user, address_id=address_id)
    items = list(
        cart_item_list(user=user, guest_cart=guest_cart).select_related("cart__voucher").order_by("product_id")
    )
    voucher = items[0].cart.voucher if items else None
    breakdown, refusal = cart_quote(
        lines=cart_lines(items=items),
        user=user,
        country=country,
        shipping_method_id=shipping_method_id,
        voucher=voucher,
    )
    return breakdown_as_dict(breakdown=breakdown, country=country, refusal=refusal)


def cart_shipping_options(*, user: User, address_id: int | None = None) -> list[dict]:
    """The methods that deliver to the address (as checkout picks it), each with its price for the cart as it is:
    nothing when the cart, after its discount, reaches the method's `free_over`."""
    country = pricing_country(shipping_details(user=user, address_id=address_id)["country"])
    methods = shipping_methods_for(country=country)
    if not methods:
        return []
    items = list(cart_item_list(user=user).select_related("cart__voucher").order_by("product_id"))
    voucher = items[0].cart.voucher if items else None
    breakdown, _ = cart_quote(
        lines=cart_lines(items=items), user=user, country=country, shipping_method_id=None, voucher=voucher
    )
    goods = breakdown.subtotal - breakdown.discount
    choices = {method.pk: ShippingChoice(method.pk, method.name, method.price, method.free_over) for method in methods}
    return [
        {
            "id": method.pk,
            "name": method.name,
            "zone": method.zone.name,
            "price": method.price,
            "free_over": method.free_over,
            "cost": choices[method.pk].cost(goods=goods),
            "days_min": method.days_min,
            "days_max": method.days_max,
        }
        for method in methods
    ]
