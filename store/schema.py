"""OpenAPI documentation of the store endpoints: error bodies that carry data, and one example per body."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import serializers

from duka_app.api.schema import ErrorSerializer, error_response
from store.serializers.cart import CartSummarySerializer
from store.serializers.orders import OrderEventActorSerializer, OrderEventStaffSerializer

# --- error bodies -------------------------------------------------------------------------------------------


class StockLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    requested = serializers.IntegerField(help_text="The quantity asked for.")
    available = serializers.IntegerField(help_text="What is in stock (0 when the product is no longer for sale).")


class CheckoutConflictSerializer(ErrorSerializer):
    """A checkout that cannot be served: every line that is short, with what is available (`items`), or a buyer
    already holding as many pending orders as allowed (`limit`)."""

    items = StockLineSerializer(
        many=True, required=False, help_text="With `insufficient_stock` and `product_unavailable`."
    )
    limit = serializers.IntegerField(
        required=False, help_text="With `too_many_pending_orders`: how many pending orders a buyer may hold."
    )
    breakdown = CartSummarySerializer(
        required=False,
        help_text="With `price_changed` and the voucher codes (`voucher_used_up`, ...): what the order would cost now.",
    )


class CartErrorSerializer(ErrorSerializer):
    """A malformed request, or a quantity above the stock (`quantity_above_stock`, with the line in `items`)."""

    items = StockLineSerializer(many=True, required=False)


class StockChangedSerializer(ErrorSerializer):
    """A stock update whose `expected_stock` is no longer the stock: nothing changed."""

    stock = serializers.IntegerField(help_text="The current stock: check it and retry with it as `expected_stock`.")


class CategoryNotEmptySerializer(ErrorSerializer):
    product_count = serializers.IntegerField(help_text="How many products still belong to the category.")


# --- bodies that differ by role ---------------------------------------------------------------------------


class OrderHistoryEntrySerializer(OrderEventStaffSerializer):
    """An entry of an order's history; `actor` only in the answers to managers and admins."""

    actor = OrderEventActorSerializer(
        required=False, allow_null=True, help_text="Managers and admins only: who acted (null for the system)."
    )


CART_QUANTITY_ERROR = error_response(
    400,
    description="Invalid input (unknown or inactive product, quantity < 1), or more than the stock: "
    "`quantity_above_stock` with the line in `items`.",
    code="quantity_above_stock",
    detail="Only 3 of this product in stock; 2 already in the cart.",
    serializer=CartErrorSerializer,
    data={"items": [{"product_id": 1, "requested": 5, "available": 3}]},
)
CHECKOUT_BAD_REQUEST = error_response(
    400,
    description="The cart is empty (`cart_empty`), the shipping method does not deliver to the address "
    "(`shipping_method_unavailable`), or the `Idempotency-Key` header or the body is malformed.",
    code="cart_empty",
    detail="The cart is empty.",
)
CHECKOUT_ADDRESS_NOT_FOUND = error_response(
    404,
    description="`address_id` is not one of the caller's saved addresses; nothing changed.",
    detail="No such address in your address book.",
)
CHECKOUT_CONFLICT = error_response(
    409,
    description="Some lines exceed the stock (`insufficient_stock`) or are no longer for sale "
    "(`product_unavailable`), with the lines in `items`; or the buyer already holds as many pending orders as "
    "allowed (`too_many_pending_orders`, with `limit`): pay for or cancel one first. The total differs from "
    "`expected_total` (`price_changed`), or the cart's voucher can no longer be used (`voucher_used_up`, "
    "`voucher_expired`, ...): both with the new `breakdown`. Nothing changed.",
    code="insufficient_stock",
    detail="Some products in the cart are not available in the requested quantity.",
    serializer=CheckoutConflictSerializer,
    data={"items": [{"product_id": 1, "requested": 5, "available": 3}]},
)
CHECKOUT_CONFLICT.examples.append(
    OpenApiExample(
        "too_many_pending_orders",
        value={
            "detail": "You already have 3 pending orders; pay for or cancel one before placing another.",
            "code": "too_many_pending_orders",
            "limit": 3,
        },
        status_codes=["409"],
        response_only=True,
    )
)
CHECKOUT_FORBIDDEN = error_response(
    403,
    description="The caller's role may not shop (`permission_denied`), or `REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT` is "
    "on and the caller's email address is not verified (`email_not_verified`); nothing changed.",
    code="email_not_verified",
    detail="Verify your email address first: follow the link we sent you, or ask for a new one.",
)
CATEGORY_NOT_EMPTY = error_response(
    409,
    description="The category still has products; nothing was deleted.",
    code="category_not_empty",
    detail="This category still has products; move or delete them first.",
    serializer=CategoryNotEmptySerializer,
    data={"product_count": 12},
)
PRODUCT_BAD_REQUEST = error_response(
    400,
    description="Invalid input: a validation error `{field: [messages]}` (e.g. `stock` without `expected_stock`), "
    "or `{detail, code}` for a malformed request.",
)
STOCK_CHANGED = error_response(
    409,
    description="`stock` was given with an `expected_stock` that is no longer the stock (customers bought or "
    "another manager changed it since it was read): `stock_changed` with the current `stock`; nothing changed.",
    code="stock_changed",
    detail="The stock changed since you read it; nothing was changed. Check the current stock and retry.",
    serializer=StockChangedSerializer,
    data={"stock": 23},
)
INVALID_STATUS_TRANSITION = error_response(
    400,
    description="Invalid input, or the order cannot make that move (`invalid_status_transition`).",
    code="invalid_status_transition",
    detail="An order that is shipped cannot be cancelled.",
)

# --- examples -----------------------------------------------------------------------------------------------
# Ids are 1 so that the contract test's small store (duka_app/tests/test_api_contract.py) can serve them.

_CREATED_AT = "2026-03-02T09:15:00Z"
_CATEGORY_SUMMARY = {"id": 1, "name": "Kitchen", "slug": "kitchen"}
CATEGORY = {
    **_CATEGORY_SUMMARY,
    "description": "Pots, pans and knives.",
    "product_count": 12,
    "created_at": _CREATED_AT,
    "updated_at": _CREATED_AT,
}
PRODUCT = {
    "id": 1,
    "name": "Cast Iron Skillet",
    "slug": "cast-iron-skillet",
    "sku": "DK-0000017",
    "description": "A 26 cm pre-seasoned skillet.",
    "price": "39.90",
    "discount_price": "34.90",
    "final_price": "34.90",
    "stock": 25,
    "in_stock": True,
    "is_active": True,
    "category": _CATEGORY_SUMMARY,
    "created_at": _CREATED_AT,
    "updated_at": _CREATED_AT,
}
CART_ITEM = {
    "id": 1,
    "product": {
        "id": 1,
        "slug": "cast-iron-skillet",
        "name": "Cast Iron Skillet",
        "final_price": "34.90",
        "stock": 25,
    },
    "product_id": 1,
    "quantity": 2,
    "unit_price": "34.90",
    "line_total": "69.80",
}
ORDER = {
    "id": 1,
    "status": "pending",
    "subtotal_amount": "69.80",
    "discount_amount": "6.98",
    "shipping_amount": "300.00",
    "tax_amount": "8.66",
    "total_amount": "362.82",
    "prices_include_tax": True,
    "shipping_method_name": "Standard",
    "voucher_code": "KARIBU10",
    "items": [
        {
            "id": 1,
            "product_id": 1,
            "product_slug": "cast-iron-skillet",
            "product_name": "Cast Iron Skillet",
            "sku": "DK-0000017",
            "quantity": 2,
            "price_at_purchase": "34.90",
            "line_total": "69.80",
            "discount_amount": "6.98",
            "tax_rate": "16.00",
            "net_amount": "54.16",
            "tax_amount": "8.66",
            "gross_amount": "62.82",
        }
    ],
    "name": "Amina Wanjiru",
    "phone": "+254 700 000 000",
    "address": "12 Moi Avenue",
    "line2": "Flat 4B",
    "city": "Nairobi",
    "region": "Nairobi County",
    "country": "KE",
    "postal_code": "00100",
    "created_at": _CREATED_AT,
}
ORDER_EVENT_PLACED = {
    "id": 1,
    "kind": "placed",
    "created_at": _CREATED_AT,
    "data": {"total_amount": "69.80", "item_count": 1},
}
ORDER_EVENT_PAID = {
    "id": 2,
    "kind": "status_changed",
    "created_at": "2026-03-02T10:40:00Z",
    "data": {"from": "pending", "to": "paid"},
    "actor": {"id": 2, "username": "maria"},
}


def request_example(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


def response_example(name: str, value: dict, *status_codes: int) -> OpenApiExample:
    return OpenApiExample(
        name, value=value, response_only=True, status_codes=[str(code) for code in status_codes or (200,)]
    )


CATEGORY_EXAMPLES = [
    request_example("Category", {"name": "Kitchen", "description": "Pots, pans and knives."}),
    response_example("Category", CATEGORY, 200, 201),
]
PRODUCT_EXAMPLES = [
    request_example(
        "Product",
        {
            "name": "Cast Iron Skillet",
            "sku": "DK-0000017",
            "description": "A 26 cm pre-seasoned skillet.",
            "price": "39.90",
            "discount_price": "34.90",
            "stock": 25,
            "is_active": True,
            "category_id": 1,
        },
    ),
    response_example("Product", PRODUCT, 200, 201),
]
PRODUCT_UPDATE_EXAMPLES = [
    request_example("New description", {"description": "A 26 cm pre-seasoned skillet with a helper handle."}),
    request_example("Restock from 25 to 40", {"stock": 40, "expected_stock": 25}),
    response_example("Product", PRODUCT, 200),
]
CART_ITEM_EXAMPLES = [response_example("Cart line", CART_ITEM, 200, 201)]
ORDER_EXAMPLES = [response_example("Order", ORDER, 200, 201)]
# A list answer: each example is one entry of it.
ORDER_EVENT_EXAMPLES = [
    response_example("Placed, as the owner sees it", ORDER_EVENT_PLACED),
    response_example("Marked paid, as a manager sees it", ORDER_EVENT_PAID),
]

# --- wishlist -----------------------------------------------------------------------------------------------


class WishlistFullSerializer(ErrorSerializer):
    limit = serializers.IntegerField(help_text="The most products a wishlist holds (`WISHLIST_MAX_ITEMS`).")


WISHLIST_ADD_BAD_REQUEST = error_response(
    400,
    description="Invalid input: `product_id` missing, not a positive integer, or no product for sale with it.",
)
WISHLIST_FULL = error_response(
    409,
    description="The wishlist already holds `limit` products (`wishlist_full`); nothing was saved.",
    code="wishlist_full",
    detail="Your wishlist holds 500 products, the most it can; remove one before saving another.",
    serializer=WishlistFullSerializer,
    data={"limit": 500},
)
WISHLIST_ITEM_NOT_FOUND = error_response(
    404, description="The product is not in the caller's wishlist.", detail="This product is not in your wishlist."
)
MOVE_TO_CART_BAD_REQUEST = error_response(
    400,
    description="Invalid input (quantity < 1), or more than the stock with what the cart already holds: "
    "`quantity_above_stock` with the line in `items`; nothing changed.",
    code="quantity_above_stock",
    detail="Only 3 of this product in stock; 2 already in the cart.",
    serializer=CartErrorSerializer,
    data={"items": [{"product_id": 1, "requested": 5, "available": 3}]},
)
MOVE_TO_CART_CONFLICT = error_response(
    409,
    description="The product is no longer for sale (`product_unavailable`); it stays in the wishlist.",
    code="product_unavailable",
    detail="This product is no longer for sale.",
    serializer=CartErrorSerializer,
    data={"items": [{"product_id": 1, "requested": 1, "available": 0}]},
)
WISHLIST_ITEM = {
    "product_id": 1,
    "product": {
        "id": 1,
        "slug": "cast-iron-skillet",
        "name": "Cast Iron Skillet",
        "final_price": "34.90",
        "in_stock": True,
        "available": True,
    },
    "created_at": _CREATED_AT,
}
WISHLIST_ITEM_EXAMPLES = [response_example("Saved product", WISHLIST_ITEM, 200, 201)]
# --- the guest cart -----------------------------------------------------------------------------------------

CART_TOKEN_EXAMPLE = "q3V8bYc1m0Jx4T9kRr2wLZs5pGd7uNhA6eKfXyiBoQE"

CART_TOKEN_HEADER = OpenApiParameter(
    "X-Cart-Token",
    {"type": "string"},
    OpenApiParameter.HEADER,
    description="Anonymous callers only: the guest cart's token from `POST /api/cart/guest/`. An unknown, expired "
    "or malformed token is 404 `cart_not_found`. A logged-in caller's header is ignored: they use their own cart.",
    examples=[OpenApiExample("Guest cart", value=CART_TOKEN_EXAMPLE)],
)
CART_NOT_FOUND = error_response(
    404,
    description="No guest cart for this token (unknown, expired, malformed or already merged), or no such line.",
    code="cart_not_found",
    detail="No guest cart with this token; it may have expired or been merged.",
)
CART_FORBIDDEN = error_response(
    403, description="Managers have no cart.", code="permission_denied", detail="Only customers can do this."
)
LOGGED_IN_FORBIDDEN = error_response(
    403,
    description="The caller is logged in: they have a cart of their own.",
    code="permission_denied",
    detail="You are logged in: your cart is at /api/cart/ (merge a guest cart with /api/cart/merge/).",
)
GUEST_CART_EXAMPLES = [
    response_example("Guest cart", {"cart_token": CART_TOKEN_EXAMPLE, "expires_at": "2026-04-01T09:15:00Z"}, 201)
]
CART_MERGE_REPORT = {
    "status": "merged",
    "lines": [
        {"product_id": 1, "requested": 2, "merged": 2, "quantity": 3, "result": "merged"},
        {"product_id": 2, "requested": 5, "merged": 3, "quantity": 3, "result": "capped"},
        {"product_id": 3, "requested": 1, "merged": 0, "quantity": 0, "result": "dropped"},
    ],
}
CART_MERGE_EXAMPLES = [
    request_example("Guest cart token", {"cart_token": CART_TOKEN_EXAMPLE}),
    response_example("Merged", CART_MERGE_REPORT),
]

CART_SUMMARY = {
    "lines": 1,
    "quantity": 2,
    "subtotal": "69.80",
    "discount": "6.98",
    "shipping": "300.00",
    "tax": "8.66",
    "total": "362.82",
    "currency": "KES",
    "prices_include_tax": True,
    "country": "KE",
    "shipping_method": {"id": 1, "name": "Standard"},
    "voucher": {"code": "KARIBU10", "kind": "percentage"},
    "voucher_error": None,
    "items": [
        {
            "product_id": 1,
            "name": "Cast Iron Skillet",
            "quantity": 2,
            "unit_price": "34.90",
            "amount": "69.80",
            "discount": "6.98",
            "tax_rate": "16.00",
            "net": "54.16",
            "tax": "8.66",
            "gross": "62.82",
        }
    ],
}
CART_SUMMARY_BAD_REQUEST = error_response(
    400,
    description="A malformed `address_id` or `shipping_method_id`, or a shipping method that does not deliver to "
    "the address (`shipping_method_unavailable`).",
    code="shipping_method_unavailable",
    detail="This shipping method does not deliver to the address.",
)
CART_SUMMARY_NOT_FOUND = error_response(
    404,
    description="The guest cart's token opens no cart (`cart_not_found`), or `address_id` is not one of the "
    "caller's addresses.",
    code="cart_not_found",
    detail="No guest cart with this token; it may have expired or been merged.",
)
