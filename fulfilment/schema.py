"""OpenAPI documentation of the fulfilment endpoints: one example per body, and the errors each answers."""

from drf_spectacular.utils import OpenApiParameter

from duka_app.api.schema import error_response
from store.schema import request_example, response_example

_AT = "2026-01-15T09:30:00Z"
SHIPMENT = {
    "id": 1,
    "order_id": 1,
    "carrier": "g4s",
    "tracking_number": "G4S-0012345",
    "tracking_url": "https://track.example.com/G4S-0012345",
    "status": "in_transit",
    "delivered_at": None,
    "created_at": _AT,
    "events": [
        {"id": 1, "status": "ready", "occurred_at": _AT, "location": "", "note": ""},
        {"id": 2, "status": "in_transit", "occurred_at": "2026-01-15T14:00:00Z", "location": "Nairobi hub", "note": ""},
    ],
}
RETURN = {
    "id": 1,
    "order_id": 1,
    "status": "requested",
    "reason": "Wrong size.",
    "note": "",
    "amount": "750.00",
    "refund_id": None,
    "lines": [{"order_item_id": 1, "product_name": "Kettle", "quantity": 1, "unit_price": "750.00"}],
    "created_at": _AT,
}

SHIPMENT_CREATE_EXAMPLES = [
    request_example(
        "Shipment",
        {"carrier": "g4s", "tracking_number": "G4S-0012345", "tracking_url": "https://track.example.com/G4S-0012345"},
    ),
    response_example("Shipment", {**SHIPMENT, "status": "ready", "events": SHIPMENT["events"][:1]}, 201),
]
SHIPMENTS_EXAMPLES = [response_example("Shipments", [SHIPMENT])]
SHIPMENT_CREATE_BAD_REQUEST = error_response(
    400,
    description="Invalid input, or a tracking number this carrier already has (`tracking_number`).",
    code="invalid",
)
SHIPMENT_CREATE_CONFLICT = error_response(
    409, description="The order is not paid nor shipped (`order_not_shippable`).", code="order_not_shippable"
)
SHIPMENT_EVENT_EXAMPLES = [
    request_example("In transit", {"status": "in_transit", "location": "Nairobi hub"}),
    request_example("Delivered", {"status": "delivered", "occurred_at": _AT, "note": "Left with the concierge."}),
    response_example("Shipment", SHIPMENT, 201),
]
SHIPMENT_EVENT_CONFLICT = error_response(
    409,
    description="The shipment cannot take that status from where it is (`shipment_status_invalid`): delivered "
    "and returned are final.",
    code="shipment_status_invalid",
)
CARRIER_WEBHOOK_EXAMPLES = [
    request_example(
        "Tracking event",
        {
            "event_id": "evt-7781",
            "tracking_number": "G4S-0012345",
            "status": "out_for_delivery",
            "occurred_at": _AT,
            "location": "Westlands",
            "note": "",
        },
    ),
    response_example("Applied", {"received": True, "applied": True}),
]
CARRIER_WEBHOOK_BAD_REQUEST = error_response(
    400,
    description="An unknown carrier, or an `X-Carrier-Signature` that does not verify (`invalid_signature`: "
    "nothing is read); a signed body that is not a tracking event, or names no shipment of this carrier "
    "(`unknown_shipment`). Nothing is stored.",
    code="invalid_signature",
    detail="The signature does not verify.",
)
CARRIER_SIGNATURE = OpenApiParameter(
    "X-Carrier-Signature",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="Hex HMAC-SHA256 of the raw body with the carrier's shared secret (CARRIER_WEBHOOK_SECRETS).",
)
RETURN_CREATE_EXAMPLES = [
    request_example("One of two kettles", {"lines": [{"order_item_id": 1, "quantity": 1}], "reason": "Wrong size."}),
    response_example("Return", RETURN, 201),
]
RETURN_CREATE_BAD_REQUEST = error_response(
    400,
    description="Invalid input; an item not in the order, or more units than were delivered and are not yet in "
    "another return (`lines`).",
    code="invalid",
)
RETURN_CREATE_CONFLICT = error_response(
    409,
    description="The order is not delivered (`order_not_delivered`), or was delivered more than "
    "RETURN_WINDOW_DAYS ago (`return_window_closed`).",
    code="return_window_closed",
)
RETURNS_EXAMPLES = [response_example("Returns", [RETURN])]
RETURN_LIST_EXAMPLES = [
    response_example("A page of returns", {"count": 1, "next": None, "previous": None, "results": [RETURN]})
]
RETURN_STATUS = OpenApiParameter(
    "status", str, enum=["requested", "approved", "rejected", "received", "refunded"], description="Only this status."
)
RETURN_EXAMPLES = [response_example("Return", RETURN)]
RETURN_REJECT_EXAMPLES = [
    request_example("Rejected", {"note": "Opened food cannot be returned."}),
    response_example("Return", {**RETURN, "status": "rejected", "note": "Opened food cannot be returned."}),
]
RETURN_REFUND_EXAMPLES = [
    request_example("Card payment", {}),
    request_example("M-Pesa reversal done outside Duka", {"reference": "OEI2AK4Q16"}),
    response_example("Return", {**RETURN, "status": "refunded", "refund_id": 1}),
]
RETURN_CONFLICT = error_response(
    409,
    description="The return is not in a status this action applies to (`return_status_invalid`); for a refund, "
    "also an order with nothing left to refund (`no_refundable_payment`).",
    code="return_status_invalid",
)
RETURN_REFUND_BAD_REQUEST = error_response(
    400,
    description="Invalid input; an M-Pesa or manual payment without the reversal's `reference`; more than is left "
    "to refund (`amount`).",
    code="invalid",
)
