"""OpenAPI documentation of the pricing endpoints."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from duka_app.api.schema import error_response

VOUCHER_BAD_REQUEST = error_response(
    400,
    description="The code is missing or malformed, or the voucher cannot be used for this cart: `voucher_invalid`, "
    "`voucher_not_started`, `voucher_expired`, `voucher_used_up`, `voucher_not_applicable`, "
    "`voucher_below_minimum` (with `min_subtotal`), or `cart_empty`. Nothing changed.",
    code="voucher_expired",
    detail="This voucher has expired.",
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

VOUCHER_APPLY_EXAMPLES = [OpenApiExample("Code", value={"code": "KARIBU10"}, request_only=True)]


def manager_crud_schema(name: str):
    """The summaries of a managers' CRUD resource."""
    plural = f"{name}s"
    return extend_schema_view(
        list=extend_schema(summary=f"{plural} (managers)"),
        retrieve=extend_schema(summary=f"One {name.lower()} (managers)"),
        create=extend_schema(summary=f"Create a {name.lower()} (managers)"),
        update=extend_schema(summary=f"Replace a {name.lower()} (managers)"),
        partial_update=extend_schema(summary=f"Change a {name.lower()} (managers)"),
        destroy=extend_schema(summary=f"Delete a {name.lower()} (managers)"),
    )
