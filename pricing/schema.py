"""OpenAPI documentation of the pricing endpoints."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from duka_app.api.schema import error_response
from store.schema import CART_SUMMARY

VOUCHER_BAD_REQUEST = error_response(
    400,
    description="The code is missing or malformed, or the voucher cannot be used for this cart: `voucher_invalid`, "
    "`voucher_not_started`, `voucher_expired`, `voucher_used_up`, `voucher_not_applicable`, "
    "`voucher_below_minimum` (with `min_subtotal`), or `cart_empty`. Nothing changed.",
    code="voucher_expired",
    detail="This voucher has expired.",
)

ADDRESS_NOT_FOUND = error_response(
    404,
    description="`address_id` is not one of the caller's addresses.",
    detail="No such address in your address book.",
)

SHIPPING_OPTIONS_EXAMPLES = [
    OpenApiExample(
        "Methods",
        value=[
            {
                "id": 1,
                "name": "Standard",
                "zone": "East Africa",
                "price": "300.00",
                "free_over": "5000.00",
                "cost": "300.00",
                "days_min": 2,
                "days_max": 5,
            }
        ],
        response_only=True,
    )
]

VOUCHER_APPLY_EXAMPLES = [
    OpenApiExample("Code", value={"code": "KARIBU10"}, request_only=True),
    OpenApiExample("Summary", value=CART_SUMMARY, response_only=True, status_codes=["200"]),
]


ZONE = {"id": 1, "name": "East Africa", "countries": ["KE", "TZ", "UG"]}
METHOD = {
    "id": 1,
    "zone_id": 1,
    "name": "Standard",
    "price": "300.00",
    "free_over": "5000.00",
    "days_min": 2,
    "days_max": 5,
    "is_active": True,
}
TAX_RATE = {"id": 1, "country": "KE", "category_id": None, "rate": "16.00"}
VOUCHER = {
    "id": 1,
    "code": "KARIBU10",
    "kind": "percentage",
    "value": "10.00",
    "min_subtotal": "1000.00",
    "valid_from": "2026-03-01T00:00:00Z",
    "valid_until": "2026-04-01T00:00:00Z",
    "usage_limit": 500,
    "per_customer_limit": 1,
    "category_ids": [],
    "product_ids": [],
    "is_active": True,
    "use_count": 42,
    "created_at": "2026-02-20T09:15:00Z",
}
_READ_ONLY = {"id", "use_count", "created_at"}


def manager_crud_schema(name: str, example: dict):
    """The summaries, tag and examples of a managers' CRUD resource."""
    plural, lower = f"{name}s", name.lower()
    body = {key: value for key, value in example.items() if key not in _READ_ONLY}
    request = OpenApiExample(name, value=body, request_only=True)
    one = OpenApiExample(name, value=example, response_only=True, status_codes=["200", "201"])
    page = OpenApiExample(
        plural,
        value={"count": 1, "next": None, "previous": None, "results": [example]},
        response_only=True,
        status_codes=["200"],
    )
    tagged = {"tags": ["pricing"]}
    return extend_schema_view(
        list=extend_schema(summary=f"{plural} (managers)", examples=[page], **tagged),
        retrieve=extend_schema(summary=f"One {lower} (managers)", examples=[one], **tagged),
        create=extend_schema(summary=f"Create a {lower} (managers)", examples=[request, one], **tagged),
        update=extend_schema(summary=f"Replace a {lower} (managers)", examples=[request, one], **tagged),
        partial_update=extend_schema(summary=f"Change a {lower} (managers)", examples=[request, one], **tagged),
        destroy=extend_schema(summary=f"Delete a {lower} (managers)", **tagged),
    )
