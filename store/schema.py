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
PRODUCT_ON_RESTOCK_ORDER = error_response(
    409,
    description="The product is on restock orders, which keep it; nothing was deleted (deactivate it instead).",
    code="product_on_restock_order",
    detail="This product is on restock orders, which keep it; deactivate it instead.",
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
STOCK_ADJUSTMENT_CONFLICT = error_response(
    409,
    description="The change would take the stock below zero: `insufficient_stock` with the product in `items`; "
    "nothing changed.",
    code="insufficient_stock",
    detail="Only 3 in stock; cannot remove 5.",
    serializer=CartErrorSerializer,
    data={"items": [{"product_id": 1, "requested": 5, "available": 3}]},
)
PRODUCT_IN_STOCK = error_response(
    409,
    description="The product is in stock: nothing to wait for.",
    code="product_in_stock",
    detail="This product is in stock; order it now.",
)
RESTOCK_BAD_REQUEST = error_response(
    400,
    description="Invalid input (`{field: [messages]}`: an unknown product, a product not on the order, a "
    "product twice), more than is still expected on a line (`quantity_above_ordered`), or a move the order "
    "cannot make in its status (`invalid_status_transition`); nothing changed.",
    code="quantity_above_ordered",
    detail="Product 1: 30 received but only 20 still expected.",
)


class ImageRejectedSerializer(ErrorSerializer):
    """An upload that is not an image the store keeps; nothing was stored."""

    limit_mb = serializers.IntegerField(required=False, help_text="With `image_too_large`: `MAX_IMAGE_MB`.")
    limit_pixels = serializers.IntegerField(
        required=False, help_text="With `image_too_many_pixels`: `MAX_IMAGE_PIXELS`."
    )


IMAGE_REJECTED = error_response(
    400,
    description="A validation error `{field: [messages]}`, or a file that is not an image the store keeps, "
    "judged by its content: `image_type_unsupported` (not JPEG, PNG or WebP: text, SVG, GIF...), `image_too_large` "
    "(above `MAX_IMAGE_MB`, with `limit_mb`), `image_too_many_pixels` (a decompression bomb, with `limit_pixels`), "
    "`image_corrupt` (truncated or damaged). Nothing was stored.",
    code="image_type_unsupported",
    detail="The file is not a JPEG, PNG or WebP image.",
    serializer=ImageRejectedSerializer,
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
PRODUCT_IMAGE = {
    "id": 1,
    "url": "/media/products/1/5f0c9a.jpg",
    "width": 1600,
    "height": 1200,
    "alt_text": "The skillet from above",
    "position": 0,
    "renditions": [
        {"url": "/media/products/1/5f0c9a-200.webp", "width": 200, "height": 150},
        {"url": "/media/products/1/5f0c9a-600.webp", "width": 600, "height": 450},
        {"url": "/media/products/1/5f0c9a-1200.webp", "width": 1200, "height": 900},
    ],
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
    "rating_average": "4.50",
    "rating_count": 2,
    "attributes": [
        {"attribute": "material", "name": "Material", "kind": "choice", "value": "cast-iron", "label": "Cast iron"},
        {"attribute": "diameter-cm", "name": "Diameter (cm)", "kind": "number", "value": "26", "label": None},
        {"attribute": "induction", "name": "Induction", "kind": "boolean", "value": True, "label": "Yes"},
    ],
    "images": [PRODUCT_IMAGE],
    "created_at": _CREATED_AT,
    "updated_at": _CREATED_AT,
}
ATTRIBUTE_VALUE = {"id": 1, "value": "Cast iron", "slug": "cast-iron", "position": 0}
ATTRIBUTE = {
    "id": 1,
    "name": "Material",
    "slug": "material",
    "kind": "choice",
    "category_ids": [1],
    "position": 0,
    "values": [ATTRIBUTE_VALUE, {"id": 2, "value": "Stainless steel", "slug": "stainless-steel", "position": 1}],
    "created_at": _CREATED_AT,
    "updated_at": _CREATED_AT,
}
FACETS = {
    "count": 12,
    "categories": [{"id": 1, "name": "Kitchen", "slug": "kitchen", "count": 12}],
    "price_bands": [
        {"min": "0.00", "max": "25.00", "count": 3},
        {"min": "25.00", "max": "50.00", "count": 9},
        {"min": "1000.00", "max": None, "count": 0},
    ],
    "attributes": [
        {
            "slug": "material",
            "name": "Material",
            "kind": "choice",
            "values": [
                {"slug": "cast-iron", "value": "Cast iron", "count": 4},
                {"slug": "stainless-steel", "value": "Stainless steel", "count": 8},
            ],
        },
        {"slug": "diameter-cm", "name": "Diameter (cm)", "kind": "number", "min": "16", "max": "32", "count": 10},
    ],
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
ATTRIBUTE_EXAMPLES = [
    request_example("Attribute", {"name": "Material", "kind": "choice", "category_ids": [1]}),
    response_example("Attribute", ATTRIBUTE, 200, 201),
]
ATTRIBUTE_VALUE_EXAMPLES = [
    request_example("Value", {"value": "Cast iron"}),
    response_example("Value", ATTRIBUTE_VALUE, 200, 201),
]
PRODUCT_ATTRIBUTES_EXAMPLES = [
    request_example("Attributes", {"attributes": {"material": "cast-iron", "diameter-cm": "26", "induction": True}}),
    response_example("Product", PRODUCT, 200),
]
FACETS_EXAMPLES = [response_example("Facets", FACETS, 200)]
PRODUCT_IMAGE_EXAMPLES = [response_example("Product image", PRODUCT_IMAGE, 200, 201)]
PRODUCT_IMAGE_UPLOAD_EXAMPLES = [
    OpenApiExample(
        "Upload",
        value={"file": "(the image file)", "alt_text": "The skillet from above", "position": 0},
        request_only=True,
        media_type="multipart/form-data",
    ),
    *PRODUCT_IMAGE_EXAMPLES,
]
PRODUCT_IMAGE_UPDATE_EXAMPLES = [
    request_example("Move first", {"position": 0, "alt_text": "The skillet from above"}),
    *PRODUCT_IMAGE_EXAMPLES,
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

# --- reviews ------------------------------------------------------------------------------------------------


class ReviewExistsSerializer(ErrorSerializer):
    review_id = serializers.IntegerField(required=False, help_text="The caller's review of this product.")


REVIEW_CREATE_FORBIDDEN = error_response(
    403,
    description="Not a customer (`permission_denied`), or no delivered order of the caller holds the product "
    "(`review_not_allowed`); nothing was written.",
    code="review_not_allowed",
    detail="Only customers who received this product (in a delivered order) may review it.",
)
REVIEW_EXISTS = error_response(
    409,
    description="The caller reviewed this product already (`review_exists`, with `review_id`); edit that one.",
    code="review_exists",
    detail="You reviewed this product already; edit or delete that review instead.",
    serializer=ReviewExistsSerializer,
    data={"review_id": 1},
)
REVIEW_NOT_FOUND = error_response(
    404, description="No such product, or no such review of it that the caller may see.", detail="No such review."
)
REVIEW = {
    "id": 1,
    "rating": 5,
    "title": "Heats evenly",
    "body": "Seasoned well out of the box; my eggs no longer stick.",
    "author": {"id": 1, "name": "Amina"},
    "is_hidden": False,
    "created_at": _CREATED_AT,
    "updated_at": _CREATED_AT,
}
REVIEW_EXAMPLES = [
    request_example("Review", {"rating": 5, "title": "Heats evenly", "body": "My eggs no longer stick."}),
    response_example("Review", REVIEW, 200, 201),
]


STOCK_MOVEMENT = {
    "id": 1,
    "product_id": 1,
    "delta": 20,
    "reason": "restock_received",
    "order_id": None,
    "restock_order_id": 1,
    "actor_id": 1,
    "note": "",
    "created_at": _CREATED_AT,
}
STOCK_MOVEMENT_EXAMPLES = [response_example("Restock received", STOCK_MOVEMENT)]
STOCK_ADJUSTMENT_EXAMPLES = [
    request_example("Two found in the stock room", {"delta": 2, "note": "Inventory count"}),
    response_example(
        "Adjustment", {**STOCK_MOVEMENT, "delta": 2, "reason": "adjustment", "restock_order_id": None, "stock": 27}, 201
    ),
]
RESTOCK_ORDER = {
    "id": 1,
    "status": "partially_received",
    "supplier_name": "Acme",
    "supplier_reference": "PO-1001",
    "expected_date": "2026-03-20",
    "note": "",
    "created_by_id": 1,
    "ordered_at": _CREATED_AT,
    "received_at": None,
    "created_at": _CREATED_AT,
    "updated_at": _CREATED_AT,
    "lines": [
        {
            "product_id": 1,
            "product_name": "Cast Iron Skillet",
            "sku": "DK-0000017",
            "quantity_ordered": 20,
            "quantity_received": 12,
        }
    ],
}
RESTOCK_ORDER_EXAMPLES = [response_example("Restock order", RESTOCK_ORDER, 200, 201)]


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
