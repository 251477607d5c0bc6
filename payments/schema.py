"""OpenAPI documentation of the payment endpoints: one example per body, and the errors each answers."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from duka_app.api.schema import error_response
from store.schema import request_example, response_example

_AT = "2026-01-15T09:30:00Z"
PAYMENT = {
    "id": 1,
    "order_id": 1,
    "provider": "mpesa",
    "status": "pending",
    "amount": "1500.00",
    "currency": "KES",
    "provider_reference": "ws_CO_191220191020363925",
    "receipt": "",
    "failure_code": "",
    "failure_message": "",
    "refunded_amount": "0.00",
    "refunds": [],
    "next_action": {"type": "mpesa_stk_push", "message": "Success. Request accepted for processing"},
    "created_at": _AT,
    "succeeded_at": None,
}
PAID = {
    **PAYMENT,
    "provider": "stripe",
    "status": "partially_refunded",
    "provider_reference": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
    "receipt": "ch_3MtwBwLkdIwHu7ix2aKq0Bd3",
    "refunded_amount": "500.00",
    "refunds": [
        {
            "id": 1,
            "amount": "500.00",
            "status": "succeeded",
            "provider_reference": "re_3MtwBwLkdIwHu7ix0MlcI9ae",
            "reason": "One item returned.",
            "created_at": _AT,
        }
    ],
    "next_action": None,
    "succeeded_at": _AT,
}

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x20-\x7e]+$"},
    OpenApiParameter.HEADER,
    description="1 to 255 printable ASCII characters; a retry with the same key answers the first attempt (200).",
    examples=[OpenApiExample("Key", value="7d1e-pay-1")],
)
PAY_EXAMPLES = [
    request_example("M-Pesa", {"provider": "mpesa", "phone": "0712345678"}),
    request_example("Stripe", {"provider": "stripe"}),
    request_example("Fake (development)", {"provider": "fake"}),
    response_example("M-Pesa: check your phone", PAYMENT, 200, 201),
    response_example(
        "Stripe: confirm with the client secret",
        {
            **PAYMENT,
            "provider": "stripe",
            "provider_reference": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
            "next_action": {
                "type": "stripe_payment",
                "client_secret": "pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH",
                "publishable_key": "pk_test_TYooMQauvdEDq54NiTphI7jx",
            },
        },
        200,
        201,
    ),
]
PAY_BAD_REQUEST = error_response(
    400,
    description="Invalid input; a provider that is not enabled (`provider`); an M-Pesa phone it cannot use "
    "(`phone`); a total M-Pesa cannot charge (`amount_not_payable`: M-Pesa takes whole shillings).",
    code="amount_not_payable",
    detail="M-Pesa takes whole shillings only: this total has cents.",
)
PAY_CONFLICT = error_response(
    409,
    description="The order is not pending (`order_not_payable`), or an attempt is already in progress "
    "(`payment_in_progress`).",
    code="payment_in_progress",
    detail="A payment of this order is already in progress; complete or wait for it first.",
)
PROVIDER_FAILED = error_response(
    502,
    description="The provider refused the attempt or could not be reached; the attempt is recorded as failed.",
    code="provider_error",
    detail="The payment provider could not be reached or refused the request; try again shortly.",
)
PROVIDERS_EXAMPLES = [
    response_example(
        "Stripe, M-Pesa and the development provider",
        {
            "providers": [
                {
                    "id": "stripe",
                    "publishable_key": "pk_test_TYooMQauvdEDq54NiTphI7jx",
                    "js_url": "https://js.stripe.com/v3/",
                },
                {"id": "mpesa"},
                {"id": "fake"},
            ]
        },
    ),
    response_example("None configured", {"providers": []}),
]
PAYMENT_EXAMPLES = [response_example("Payment", PAID)]
REFUND_EXAMPLES = [
    request_example("Partial refund", {"amount": "500.00", "reason": "One item returned."}),
    request_example("Everything left", {"reason": "Order cancelled by the customer."}),
    request_example("M-Pesa reversal done outside Duka", {"reason": "Customer paid twice.", "reference": "OEI2AK4Q16"}),
    response_example("Refund", PAID["refunds"][0], 201),
]
REFUND_BAD_REQUEST = error_response(
    400,
    description="Invalid input; more than what is left to refund (`refund_exceeds_payment`); an M-Pesa or manual "
    "payment without the reversal's `reference`.",
    code="refund_exceeds_payment",
    detail="Refunds may add up to at most the amount paid.",
)
REFUND_CONFLICT = error_response(
    409,
    description="The payment has not succeeded, or is refunded already (`payment_not_refundable`).",
    code="payment_not_refundable",
    detail="Only a succeeded payment with an amount left to refund can be refunded.",
)
MARK_PAID_EXAMPLES = [
    request_example("Bank transfer", {"reference": "FT26015ABC12", "note": "Paid at the counter."}),
    response_example("Manual payment", {**PAID, "provider": "manual", "status": "succeeded", "refunds": []}, 201),
]
MARK_PAID_CONFLICT = error_response(
    409, description="The order is not pending (`order_not_payable`).", code="order_not_payable"
)
WEBHOOK_BAD_REQUEST = error_response(
    400,
    description="Refused, nothing stored: a signature that does not verify or is stale (`invalid_notification`), "
    "no payment of this store (`unknown_payment`), another amount or currency (`amount_mismatch`).",
    code="invalid_notification",
    detail="The notification could not be verified.",
)
WEBHOOK_NOT_FOUND = error_response(404, description="The provider is not configured (or, for M-Pesa, a wrong path).")
FAKE_CONFIRM_EXAMPLES = [
    request_example("The customer paid", {"outcome": "succeeded"}),
    request_example("The payment was declined", {"outcome": "failed"}),
    response_example("Payment", {**PAYMENT, "provider": "fake", "status": "succeeded", "next_action": None}),
]
STRIPE_WEBHOOK_EXAMPLES = [
    request_example(
        "payment_intent.succeeded",
        {
            "id": "evt_3MtwBwLkdIwHu7ix0Vmd8ZtS",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": 1768469400,
            "livemode": False,
            "data": {
                "object": {
                    "id": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
                    "object": "payment_intent",
                    "amount": 150000,
                    "amount_received": 150000,
                    "currency": "kes",
                    "status": "succeeded",
                    "latest_charge": "ch_3MtwBwLkdIwHu7ix2aKq0Bd3",
                    "metadata": {"order_id": "1", "payment_id": "1"},
                }
            },
        },
    ),
    response_example("Received", {"received": True}),
]
MPESA_CALLBACK_EXAMPLES = [
    request_example(
        "STK push paid",
        {
            "Body": {
                "stkCallback": {
                    "MerchantRequestID": "29115-34620561-1",
                    "CheckoutRequestID": "ws_CO_191220191020363925",
                    "ResultCode": 0,
                    "ResultDesc": "The service request is processed successfully.",
                    "CallbackMetadata": {
                        "Item": [
                            {"Name": "Amount", "Value": 1500.0},
                            {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
                            {"Name": "TransactionDate", "Value": 20191219102115},
                            {"Name": "PhoneNumber", "Value": 254712345678},
                        ]
                    },
                }
            }
        },
    ),
    response_example("Accepted", {"ResultCode": 0, "ResultDesc": "Accepted"}),
]
