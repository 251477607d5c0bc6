"""Stripe: card payments through PaymentIntents, confirmed by the customer's browser with Stripe.js.

`start` creates a PaymentIntent and hands its client secret to the client; Stripe tells the store the outcome with a
signed webhook (`payment_intent.succeeded`, `payment_intent.payment_failed`, `charge.refunded`), and `query` asks it
when a webhook is late.

The client is a `stripe.StripeClient` of this provider's own (its key, base address and timeout): nothing is set on
the `stripe` module, so two configurations can live in one process. The client does not retry: every POST carries our
idempotency key, so the service's own retry (a customer pressing pay again, the reconciliation job) is safe, and a
customer's request never waits for more than one timeout.

Secrets (the secret key, the webhook secret, a client secret) never go into a log line or an exception message.
"""

import json
import logging
import re
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from payments.money import from_minor_units, to_minor_units
from payments.providers.base import (
    Notification,
    NotificationRejected,
    PaymentOutcome,
    PaymentRequest,
    PaymentRequestInvalid,
    ProviderError,
    QueryResult,
    RefundResult,
    StartResult,
)

logger = logging.getLogger(__name__)

PENDING_STATUSES = {"processing", "requires_action", "requires_confirmation", "requires_capture"}
# A refund Stripe has taken on. `pending` and `requires_action` (the customer must give bank details, for some
# payment methods) are not final: Stripe settles them later as `succeeded` (with a `charge.refunded` event) or
# `failed` (a `refund.failed` event, which this provider does not act on).
REFUND_ACCEPTED_STATUSES = {"succeeded", "pending", "requires_action"}
# Stripe keys (even masked, as Stripe quotes them in a 401) and client secrets, should an error message quote one.
SECRET_PATTERN = re.compile(r"\b(?:sk|rk|whsec)_[\w*]+|\bpi_\w+_secret_\w+")


class StripeProvider:
    name = "stripe"

    def __init__(
        self,
        *,
        secret_key: str,
        publishable_key: str,
        webhook_secret: str,
        tolerance_seconds: int,
        api_base: str,
        timeout: float,
    ) -> None:
        if tolerance_seconds <= 0:
            raise ValueError("The webhook tolerance must be a positive number of seconds.")
        self._secret_key = secret_key
        self._publishable_key = publishable_key
        self._webhook_secret = webhook_secret
        self._tolerance_seconds = tolerance_seconds
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=0,
        )

    @classmethod
    def from_settings(cls) -> "StripeProvider":
        return cls(
            secret_key=settings.STRIPE_SECRET_KEY,
            publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            tolerance_seconds=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
            api_base=settings.STRIPE_API_BASE,
            timeout=settings.PAYMENT_PROVIDER_TIMEOUT_SECONDS,
        )

    def validate(self, *, amount: Decimal, currency: str, phone: str) -> str:
        self._minor_units(amount, currency)
        return ""

    def start(self, request: PaymentRequest) -> StartResult:
        params: dict[str, Any] = {
            "amount": self._minor_units(request.amount, request.currency),
            "currency": request.currency.lower(),
            "metadata": {"order_id": str(request.order_id), "payment_id": str(request.payment_id)},
            "automatic_payment_methods": {"enabled": True},
        }
        if request.description:
            params["description"] = request.description
        try:
            intent = self._client.v1.payment_intents.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as exc:
            raise self._provider_error("create the payment", exc) from None
        return StartResult(
            reference=intent.id,
            next_action={
                "type": "stripe_payment",
                "client_secret": intent.client_secret,
                "publishable_key": self._publishable_key,
            },
        )

    def query(self, *, reference: str) -> QueryResult:
        try:
            intent = self._client.v1.payment_intents.retrieve(reference)
        except stripe.StripeError as exc:
            raise self._provider_error("read the payment", exc) from None
        return self._query_result(intent.to_dict())

    def refund(self, *, reference: str, amount: Decimal, currency: str, refund_id: int) -> RefundResult:
        try:
            minor = to_minor_units(amount, currency)
        except ValueError as exc:
            raise ProviderError(str(exc), code="amount_not_payable") from exc
        try:
            refund = self._client.v1.refunds.create(
                params={"payment_intent": reference, "amount": minor},
                options={"idempotency_key": f"refund-{refund_id}"},
            ).to_dict()
        except stripe.StripeError as exc:
            raise self._provider_error("refund the payment", exc) from None
        if refund["status"] in REFUND_ACCEPTED_STATUSES:
            return RefundResult(reference=refund["id"], succeeded=True)
        reason = refund.get("failure_reason") or refund["status"]
        return RefundResult(
            reference=refund["id"], succeeded=False, failure_message=f"Stripe refused the refund ({reason})."
        )

    def parse_notification(self, *, body: bytes, headers: Mapping[str, str], remote_addr: str) -> Notification:
        """Stripe signs `<timestamp>.<body>` with the endpoint's secret; the signature is checked before the body is
        read. A timestamp more than the tolerance away from now is refused both ways: Stripe's library refuses only
        old ones, but a signature dated ahead would stay replayable for longer than the tolerance."""
        signature = next((value for key, value in headers.items() if key.lower() == "stripe-signature"), "")
        try:
            stripe.WebhookSignature.verify_header(body, signature, self._webhook_secret, self._tolerance_seconds)
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise NotificationRejected(_signature_failure(exc)) from None
        if _signed_at(signature) > time.time() + self._tolerance_seconds:
            raise NotificationRejected("The Stripe-Signature timestamp is ahead of the tolerance.")
        try:
            event = json.loads(body)
            return _notification(event)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NotificationRejected(f"The body is not a Stripe event we can read ({type(exc).__name__}).") from None

    def _minor_units(self, amount: Decimal, currency: str) -> int:
        try:
            return to_minor_units(amount, currency)
        except ValueError as exc:
            raise PaymentRequestInvalid(str(exc), code="amount_not_payable", field=None) from exc

    def _query_result(self, intent: dict[str, Any]) -> QueryResult:
        status = intent["status"]
        details = {key: intent.get(key) for key in ("status", "amount", "amount_received", "currency")}
        receipt = _object_id(intent.get("latest_charge"))
        error = intent.get("last_payment_error")
        if status == "succeeded":
            return QueryResult(outcome=PaymentOutcome.SUCCEEDED, receipt=receipt, details=details)
        if status == "canceled":
            reason = intent.get("cancellation_reason") or ""
            message = f"The payment was canceled ({reason})." if reason else "The payment was canceled."
            return QueryResult(
                outcome=PaymentOutcome.FAILED, failure_code="canceled", failure_message=message, details=details
            )
        if status == "requires_payment_method" and error:
            return QueryResult(
                outcome=PaymentOutcome.FAILED,
                receipt=receipt,
                failure_code=error.get("code") or error.get("type") or "payment_failed",
                failure_message=error.get("message") or "",
                details=details,
            )
        if status == "requires_payment_method" or status in PENDING_STATUSES:
            return QueryResult(outcome=PaymentOutcome.PENDING, details=details)
        raise ProviderError(f"Stripe answered with a PaymentIntent status we do not know: {status!r}.")

    def _provider_error(self, action: str, exc: stripe.StripeError) -> ProviderError:
        if isinstance(exc, stripe.APIConnectionError):
            logger.warning("Stripe could not be reached to %s.", action)
            return ProviderError(f"Stripe could not be reached to {action}.", code="api_connection_error")
        error_type = exc.error.type if exc.error else None
        code = exc.code or error_type or "provider_error"
        logger.warning(
            "Stripe refused to %s: HTTP %s, %s, request %s.", action, exc.http_status, code, exc.request_id or "-"
        )
        message = SECRET_PATTERN.sub("[redacted]", exc.user_message or "")
        if self._secret_key:
            message = message.replace(self._secret_key, "[redacted]")
        return ProviderError(f"Stripe refused to {action} (HTTP {exc.http_status}, {code}): {message}", code=code)


def _notification(event: dict[str, Any]) -> Notification:
    kind = event["type"]
    obj = event["data"]["object"]
    common = {"event_id": event["id"], "kind": kind, "payload": event}
    if not isinstance(common["event_id"], str) or not isinstance(kind, str) or not isinstance(obj, dict):
        raise TypeError("event fields")
    if kind == "payment_intent.succeeded":
        currency = obj["currency"].upper()
        return Notification(
            **common,
            outcome=PaymentOutcome.SUCCEEDED,
            reference=obj["id"],
            amount=from_minor_units(obj["amount_received"], currency),
            currency=currency,
            receipt=_object_id(obj.get("latest_charge")),
        )
    if kind == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        return Notification(
            **common,
            outcome=PaymentOutcome.FAILED,
            reference=obj["id"],
            currency=obj["currency"].upper(),
            receipt=_object_id(obj.get("latest_charge")),
            failure_code=error.get("code") or error.get("type") or "payment_failed",
            failure_message=error.get("message") or "",
        )
    if kind == "charge.refunded":
        currency = obj["currency"].upper()
        return Notification(
            **common,
            outcome=PaymentOutcome.REFUNDED,
            reference=_object_id(obj["payment_intent"]),
            currency=currency,
            receipt=obj["id"],
            amount_refunded=from_minor_units(obj["amount_refunded"], currency),
        )
    return Notification(**common, outcome=PaymentOutcome.IGNORED, reference=_object_id(obj.get("id")))


def _object_id(value: Any) -> str:
    """A Stripe reference field holds an id, or the object itself when expanded."""
    if isinstance(value, dict):
        return value["id"]
    return value or ""


def _signed_at(header: str) -> int:
    """The `t=` of a Stripe-Signature header that verify_header has already accepted."""
    return int(next(item.split("=", 1)[1] for item in header.split(",") if item.split("=", 1)[0] == "t"))


def _signature_failure(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "The body is not UTF-8 text."
    # Stripe's messages name the failure (missing header, no matching signature, stale timestamp) and quote no
    # secret; the header and body it keeps on the exception are left out.
    return f"Stripe-Signature rejected: {exc.user_message}"
