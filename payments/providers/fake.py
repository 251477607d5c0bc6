"""The fake provider, for development and tests: an attempt waits until its owner confirms or fails it through
`POST /api/payments/{id}/fake-confirm/`; refunds always succeed. Refused with DEBUG off (settings)."""

import uuid
from collections.abc import Mapping
from decimal import Decimal

from payments.providers.base import (
    Notification,
    NotificationRejected,
    PaymentOutcome,
    PaymentRequest,
    QueryResult,
    RefundResult,
    StartResult,
)


class FakeProvider:
    name = "fake"

    def validate(self, *, amount: Decimal, currency: str, phone: str) -> str:
        return ""

    def start(self, request: PaymentRequest) -> StartResult:
        return StartResult(
            reference=f"fake_{uuid.uuid4().hex}",
            next_action={
                "type": "fake_confirm",
                "url": f"/api/payments/{request.payment_id}/fake-confirm/",
                "message": 'Development payments: POST {"outcome": "succeeded"} (or "failed") to the URL.',
            },
        )

    def query(self, *, reference: str) -> QueryResult:
        return QueryResult(outcome=PaymentOutcome.PENDING)

    def refund(self, *, reference: str, amount: Decimal, currency: str, refund_id: int) -> RefundResult:
        return RefundResult(reference=f"fake_refund_{refund_id}", succeeded=True)

    def parse_notification(self, *, body: bytes, headers: Mapping[str, str], remote_addr: str) -> Notification:
        raise NotificationRejected("The fake provider sends no notifications.")
