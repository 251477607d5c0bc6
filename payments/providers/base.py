"""What the payment service asks of a provider, and what a provider answers.

A provider talks HTTP to the outside world and nothing else: it never reads or writes the database. The service
(payments/services.py) decides what an answer means for the payment and the order.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class ProviderError(Exception):
    """The provider could not be reached, or refused the request. `code` is the provider's, when it gave one."""

    def __init__(self, message: str, *, code: str = "provider_error") -> None:
        super().__init__(message)
        self.code = code


class PaymentRequestInvalid(Exception):
    """An attempt the provider cannot take as asked (a phone number it cannot use, an amount it cannot charge).
    `code` is ours (e.g. `invalid_phone`, `amount_not_payable`); `field` names the input at fault, if any."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


class NotificationRejected(Exception):
    """A notification that is not authentic or not consistent (bad signature, stale timestamp, a callback the
    provider's own records contradict). Nothing of it may be applied."""


@dataclass(frozen=True)
class PaymentRequest:
    """One attempt to take `amount` for an order; `payment_id` is ours, `idempotency_key` unique per attempt."""

    payment_id: int
    order_id: int
    amount: Decimal
    currency: str
    idempotency_key: str
    phone: str = ""
    description: str = ""


@dataclass(frozen=True)
class StartResult:
    """The provider's id of the attempt and what the customer does next (`next_action`, returned to the client)."""

    reference: str
    next_action: dict[str, Any]


class PaymentOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    REFUNDED = "refunded"
    # A notification the store does not act on (an event type it does not handle): acknowledged, stored, not applied.
    IGNORED = "ignored"


@dataclass(frozen=True)
class Notification:
    """A verified notification. `event_id` is unique per provider (a redelivery carries the same one);
    `reference` names the attempt (as StartResult.reference did); `amount` is in the store's currency."""

    event_id: str
    kind: str
    outcome: PaymentOutcome
    reference: str
    payload: dict[str, Any]
    amount: Decimal | None = None
    currency: str = ""
    receipt: str = ""
    failure_code: str = ""
    failure_message: str = ""
    # For `refunded`: the total refunded so far on the payment, as the provider counts it.
    amount_refunded: Decimal | None = None


@dataclass(frozen=True)
class RefundResult:
    reference: str
    succeeded: bool
    failure_message: str = ""


@dataclass(frozen=True)
class QueryResult:
    outcome: PaymentOutcome
    receipt: str = ""
    failure_code: str = ""
    failure_message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str

    def validate(self, *, amount: Decimal, currency: str, phone: str) -> str:
        """Check, without any network call, that the attempt can be made: raises PaymentRequestInvalid. Returns the
        phone number in the provider's form ("" when the provider needs none)."""

    def start(self, request: PaymentRequest) -> StartResult:
        """Begin collecting the payment. Raises ProviderError."""

    def query(self, *, reference: str) -> QueryResult:
        """Ask the provider how the attempt stands. Raises ProviderError."""

    def refund(self, *, reference: str, amount: Decimal, currency: str, refund_id: int) -> RefundResult:
        """Give back `amount` of the attempt `reference`; `refund_id` (ours) makes a retry idempotent.
        Raises ProviderError."""

    def parse_notification(self, *, body: bytes, headers: Mapping[str, str], remote_addr: str) -> Notification:
        """Verify and read one incoming notification. Raises NotificationRejected."""
