"""Taking money for orders: attempts, provider notifications, refunds and manual payments.

Lock order, always: the order row, then its payment rows. Every path that changes a payment or decides an order's
fate (a notification, a refund, a manual payment, the expiry job, a cancellation) takes the order's lock first, so
a payment that succeeds while the order expires ends in exactly one of "paid" or "cancelled and refunded".
Provider calls (HTTP) happen outside transactions: a slow provider never holds a lock.
"""

import hmac
import logging
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_manager
from duka_app.ops.queue import enqueue_on_commit
from payments import tasks
from payments.errors import (
    AmountMismatch,
    DuplicateReference,
    InvalidNotification,
    OrderNotFound,
    OrderNotPayable,
    PaymentInProgress,
    PaymentNotFound,
    PaymentNotRefundable,
    PaymentRefused,
    ProviderFailed,
    ProviderNotAvailable,
    ProviderNotConfigured,
    ReferenceRequired,
    RefundExceedsPayment,
    UnknownPayment,
)
from payments.models import Payment, PaymentEvent, Provider, Refund
from payments.money import from_minor_units
from payments.providers import provider_get, providers_enabled
from payments.providers.base import (
    Notification,
    NotificationRejected,
    PaymentOutcome,
    PaymentRequest,
    PaymentRequestInvalid,
    ProviderError,
)
from store.models import Order, OrderEvent
from store.services.orders import order_event_record, order_status_change

logger = logging.getLogger(__name__)

IN_PROGRESS = (Payment.Status.CREATED, Payment.Status.PENDING)
REFUNDABLE = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED)
# Providers whose refunds Duka cannot make itself: a manager reverses the payment there and records the reference.
REFUNDED_OUTSIDE = (Provider.MPESA, Provider.MANUAL)


def _order_lock(*, order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def _payment_lock(*, payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


# --- starting an attempt


def payment_start(
    *, order_id: int, user: User, provider: str, phone: str = "", idempotency_key: str = ""
) -> tuple[Payment, bool]:
    """Start collecting an order's total with `provider`; returns the payment and whether it was created now.

    Only the customer who placed the order pays it, and only while it is pending. A repeated call with the same
    idempotency key answers the first attempt again. The attempt is recorded (status `created`) before the
    provider is called, outside any transaction, and becomes `pending` with the provider's reference and next
    action, or `failed` when the provider refuses or cannot be reached (ProviderFailed).
    """
    if provider not in providers_enabled():
        raise ProviderNotAvailable(field="provider")
    gateway = provider_get(provider)
    with transaction.atomic():
        try:
            order = _order_lock(order_id=order_id)
        except Order.DoesNotExist:
            raise OrderNotFound() from None
        if order.user_id != user.pk:
            raise OrderNotFound()
        if idempotency_key:
            earlier = Payment.objects.filter(order=order, idempotency_key=idempotency_key).first()
            if earlier is not None:
                return earlier, False
        if order.status != Order.Status.PENDING:
            raise OrderNotPayable()
        if Payment.objects.filter(order=order, status__in=IN_PROGRESS).exists():
            raise PaymentInProgress()
        try:
            provider_phone = gateway.validate(amount=order.total_amount, currency=settings.STORE_CURRENCY, phone=phone)
        except PaymentRequestInvalid as refusal:
            raise PaymentRefused(str(refusal), code=refusal.code, field=refusal.field) from None
        payment = Payment.objects.create(
            order=order,
            provider=provider,
            amount=order.total_amount,
            currency=settings.STORE_CURRENCY,
            phone=provider_phone,
            idempotency_key=idempotency_key,
            created_by=user,
        )
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.PAYMENT_STARTED,
            actor=user,
            data={"payment_id": payment.pk, "provider": provider},
        )

    request = PaymentRequest(
        payment_id=payment.pk,
        order_id=order.pk,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=f"duka-payment-{payment.pk}",
        phone=provider_phone,
        description=f"Order {order.pk}",
    )
    try:
        started = gateway.start(request)
    except ProviderError as error:
        _attempt_failed(payment_id=payment.pk, code=error.code, message=str(error))
        raise ProviderFailed() from None
    with transaction.atomic():
        _order_lock(order_id=order.pk)
        payment = _payment_lock(payment_id=payment.pk)
        if payment.status == Payment.Status.CREATED:
            payment.status = Payment.Status.PENDING
        payment.provider_reference = started.reference
        payment.next_action = started.next_action
        payment.save(update_fields=["status", "provider_reference", "next_action", "updated_at"])
    return payment, True


def _attempt_failed(*, payment_id: int, code: str, message: str) -> None:
    with transaction.atomic():
        order = _order_lock(order_id=Payment.objects.values_list("order_id", flat=True).get(pk=payment_id))
        payment = _payment_lock(payment_id=payment_id)
        payment.order = order
        if payment.status not in IN_PROGRESS:
            return
        _payment_fail(payment=payment, code=code, message=message)


def _payment_fail(*, payment: Payment, code: str, message: str) -> None:
    payment.status = Payment.Status.FAILED
    payment.failure_code = code[:64]
    payment.failure_message = message[:500]
    payment.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
    order_event_record(
        order=payment.order,
        kind=OrderEvent.Kind.PAYMENT_FAILED,
        data={"payment_id": payment.pk, "provider": payment.provider, "code": payment.failure_code},
    )
    enqueue_on_commit(tasks.payment_email_send, "failed", payment.pk)


# --- notifications


def notification_receive(*, provider: str, body: bytes, headers: Mapping[str, str], remote_addr: str) -> PaymentEvent:
    """Verify, store once and apply once a provider's notification about a payment.

    A notification that cannot be verified, names no payment of ours, or reports another amount or currency than
    the payment's is refused and nothing of it is stored (a forged copy must not take the place of the genuine
    one). A redelivery of a stored notification changes nothing and answers the stored event.
    """
    if provider not in providers_enabled() or provider == Provider.FAKE:
        raise ProviderNotConfigured()
    try:
        notification = provider_get(provider).parse_notification(body=body, headers=headers, remote_addr=remote_addr)
    except NotificationRejected as rejection:
        logger.warning("Refused a %s notification from %s: %s", provider, remote_addr, rejection)
        raise InvalidNotification() from None
    return notification_apply(provider=provider, notification=notification)


def notification_apply(*, provider: str, notification: Notification) -> PaymentEvent:
    """Apply a verified notification (see `notification_receive`)."""
    if notification.outcome == PaymentOutcome.IGNORED:
        return _event_store_ignored(provider=provider, notification=notification)
    payment = None
    if notification.reference:
        payment = Payment.objects.filter(provider=provider, provider_reference=notification.reference).first()
    if payment is None:
        logger.warning("A %s notification names no payment of this store: %s", provider, notification.reference)
        raise UnknownPayment()
    if notification.outcome == PaymentOutcome.SUCCEEDED and (
        notification.amount != payment.amount or notification.currency.upper() != payment.currency
    ):
        logger.warning(
            "A %s notification for payment %s reports %s %s, not %s %s.",
            provider,
            payment.pk,
            notification.amount,
            notification.currency,
            payment.amount,
            payment.currency,
        )
        raise AmountMismatch()

    with transaction.atomic():
        order = _order_lock(order_id=payment.order_id)
        payment = _payment_lock(payment_id=payment.pk)
        payment.order = order
        try:
            with transaction.atomic():
                event = PaymentEvent.objects.create(
                    provider=provider,
                    provider_event_id=notification.event_id,
                    kind=notification.kind,
                    payment=payment,
                    payload=notification.payload,
                )
        except IntegrityError:
            return PaymentEvent.objects.get(provider=provider, provider_event_id=notification.event_id)
        applied, detail = _outcome_apply(payment=payment, notification=notification)
        event.outcome = PaymentEvent.Outcome.APPLIED if applied else PaymentEvent.Outcome.IGNORED
        event.outcome_detail = detail
        event.processed_at = timezone.now()
        event.save(update_fields=["outcome", "outcome_detail", "processed_at"])
    return event


def _event_store_ignored(*, provider: str, notification: Notification) -> PaymentEvent:
    event, _ = PaymentEvent.objects.get_or_create(
        provider=provider,
        provider_event_id=notification.event_id,
        defaults={
            "kind": notification.kind,
            "payload": notification.payload,
            "outcome": PaymentEvent.Outcome.IGNORED,
            "outcome_detail": "Not an event the store acts on.",
            "processed_at": timezone.now(),
        },
    )
    return event


def _outcome_apply(*, payment: Payment, notification: Notification) -> tuple[bool, str]:
    """Apply one outcome to a locked payment; returns whether anything changed and why (for the event)."""
    if notification.outcome == PaymentOutcome.SUCCEEDED:
        if payment.status in (*REFUNDABLE, Payment.Status.REFUNDED):
            return False, "The payment had already succeeded."
        _payment_succeed(payment=payment, receipt=notification.receipt, actor=None)
        return True, "Payment succeeded."
    if notification.outcome == PaymentOutcome.FAILED:
        if payment.status not in IN_PROGRESS:
            return False, f"The payment is {payment.status}: a later failure does not change it."
        _payment_fail(payment=payment, code=notification.failure_code, message=notification.failure_message)
        return True, "Payment failed."
    if notification.outcome == PaymentOutcome.REFUNDED and notification.amount_refunded is not None:
        return _refund_reported(payment=payment, total_refunded=notification.amount_refunded)
    return False, "Nothing to apply."


def _payment_succeed(*, payment: Payment, receipt: str, actor: User | None) -> None:
    """Record the money as taken; pay the order if it still waits, else give the money back."""
    payment.status = Payment.Status.SUCCEEDED
    payment.receipt = receipt[:255]
    payment.succeeded_at = timezone.now()
    payment.save(update_fields=["status", "receipt", "succeeded_at", "updated_at"])
    order = payment.order
    if order.status == Order.Status.PENDING:
        order.status = Order.Status.PAID
        order.save(update_fields=["status", "updated_at"])
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.PAYMENT_SUCCEEDED,
            actor=actor,
            data={"payment_id": payment.pk, "provider": payment.provider, "amount": str(payment.amount)},
        )
        enqueue_on_commit(tasks.payment_email_send, "receipt", payment.pk)
        return
    # The order was cancelled or expired meanwhile, or another payment paid it: the money goes back.
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.NOTE,
        data={"payment_id": payment.pk, "note": f"A payment succeeded for an order that is {order.status}: refunded."},
    )
    _refund_create(payment=payment, amount=payment.amount, reason=f"Order was {order.status} when the payment arrived.")


def payment_reconcile(*, payment_id: int) -> bool:
    """Ask the provider how a pending attempt stands and apply a final answer, as a notification would; returns
    whether there was one. For notifications lost, or refused because they came before the provider's own records
    agreed (Daraja's callback can precede its query's answer)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != Payment.Status.PENDING or not payment.provider_reference:
        return False
    result = provider_get(payment.provider).query(reference=payment.provider_reference)
    if result.outcome not in (PaymentOutcome.SUCCEEDED, PaymentOutcome.FAILED):
        return False
    amount, currency = payment.amount, payment.currency
    if payment.provider == Provider.STRIPE:
        currency = result.details["currency"].upper()
        amount = from_minor_units(result.details["amount_received"], currency)
    # An M-Pesa STK push is for the amount Duka asked: the query confirms that request, and has no amount.
    notification_apply(
        provider=payment.provider,
        notification=Notification(
            event_id=f"query:{payment.provider_reference}:{result.outcome}",
            kind="query",
            outcome=result.outcome,
            reference=payment.provider_reference,
            payload=result.details,
            amount=amount,
            currency=currency,
            receipt=result.receipt,
            failure_code=result.failure_code,
            failure_message=result.failure_message,
        ),
    )
    return True


# --- refunds


def _refund_create(*, payment: Payment, amount: Decimal, reason: str, actor: User | None = None) -> Refund:
    """A pending refund of a locked payment, sent to the provider after the commit (or left for a manager to
    record, for payments refunded outside Duka)."""
    refund = Refund.objects.create(payment=payment, amount=amount, reason=reason[:500], actor=actor)
    if payment.provider not in REFUNDED_OUTSIDE:
        enqueue_on_commit(tasks.refund_submit, refund.pk)
    return refund


def _refundable_left(*, payment: Payment) -> Decimal:
    committed = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount"))["total"]
    return payment.amount - (committed or Decimal("0"))


def payment_refund(
    *, payment_id: int, by: User, reason: str, amount: Decimal | None = None, reference: str = ""
) -> Refund:
    """Give back `amount` (default: all that is left) of a succeeded payment. Managers and admins only.

    Refunds add up to at most the amount paid, counted under the payment's lock with the ones still pending.
    Stripe and fake payments are refunded through the provider after the commit. M-Pesa and manual payments are
    reversed outside Duka: the manager gives the reversal's `reference`, and the refund is recorded as done (a
    refund Duka left pending for such a payment, after a cancellation, is completed by it first).
    """
    if not is_manager(by):
        raise PermissionDenied("Only store managers can refund payments.")
    with transaction.atomic():
        try:
            payment = Payment.objects.get(pk=payment_id)
        except Payment.DoesNotExist:
            raise PaymentNotFound() from None
        order = _order_lock(order_id=payment.order_id)
        payment = _payment_lock(payment_id=payment.pk)
        payment.order = order
        outside = payment.provider in REFUNDED_OUTSIDE
        if outside and not reference:
            raise ReferenceRequired(field="reference")
        if outside and amount is None:
            waiting = list(payment.refunds.filter(status=Refund.Status.PENDING).order_by("pk"))
            if waiting:
                for refund in waiting:
                    _refund_succeed(refund=refund, reference=reference, actor=by)
                return waiting[-1]
        if payment.status not in REFUNDABLE:
            raise PaymentNotRefundable()
        left = _refundable_left(payment=payment)
        amount = left if amount is None else amount
        if amount <= 0 or left <= 0:
            raise PaymentNotRefundable()
        if amount > left:
            raise RefundExceedsPayment(field="amount", refundable=str(left))
        refund = _refund_create(payment=payment, amount=amount, reason=reason, actor=by)
        if outside:
            _refund_succeed(refund=refund, reference=reference, actor=by)
    return refund


def _refund_succeed(*, refund: Refund, reference: str, actor: User | None) -> None:
    """Mark a refund of a locked payment done and count it on the payment."""
    payment = refund.payment
    refund.status = Refund.Status.SUCCEEDED
    refund.provider_reference = reference[:255]
    refund.save(update_fields=["status", "provider_reference", "updated_at"])
    payment.refunded_amount = min(payment.amount, payment.refunded_amount + refund.amount)
    if payment.status in REFUNDABLE:
        payment.status = (
            Payment.Status.REFUNDED if payment.refunded_amount == payment.amount else Payment.Status.PARTIALLY_REFUNDED
        )
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    order_event_record(
        order=payment.order,
        kind=OrderEvent.Kind.REFUNDED,
        actor=actor,
        data={"payment_id": payment.pk, "refund_id": refund.pk, "amount": str(refund.amount)},
    )
    enqueue_on_commit(tasks.payment_email_send, "refund", refund.pk)


def refund_submit(*, refund_id: int) -> Refund:
    """Send a pending refund to its provider (a job, after the commit that created it; safe to repeat: the
    provider call carries the refund's id as its idempotency key)."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING or refund.payment.provider in REFUNDED_OUTSIDE:
        return refund
    payment = refund.payment
    try:
        result = provider_get(payment.provider).refund(
            reference=payment.provider_reference, amount=refund.amount, currency=payment.currency, refund_id=refund.pk
        )
    except ProviderError as error:
        logger.warning("Refund %s of payment %s failed at %s: %s", refund.pk, payment.pk, payment.provider, error.code)
        raise
    with transaction.atomic():
        _order_lock(order_id=payment.order_id)
        _payment_lock(payment_id=payment.pk)
        refund = Refund.objects.select_related("payment__order").select_for_update(of=("self",)).get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return refund
        if result.succeeded:
            _refund_succeed(refund=refund, reference=result.reference, actor=None)
        else:
            refund.status = Refund.Status.FAILED
            refund.failure_message = result.failure_message[:500]
            refund.provider_reference = result.reference[:255]
            refund.save(update_fields=["status", "failure_message", "provider_reference", "updated_at"])
    return refund


def _refund_reported(*, payment: Payment, total_refunded: Decimal) -> tuple[bool, str]:
    """A provider reports the payment refunded to `total_refunded` in all: record what Duka did not ask for
    (a refund made in the provider's dashboard)."""
    pending = payment.refunds.filter(status=Refund.Status.PENDING).order_by("pk")
    for refund in pending:
        if payment.refunded_amount + refund.amount > total_refunded:
            break
        _refund_succeed(refund=refund, reference=refund.provider_reference, actor=None)
    unexplained = min(total_refunded, payment.amount) - payment.refunded_amount
    if unexplained <= 0:
        return False, "The refunds reported were already recorded."
    refund = Refund.objects.create(payment=payment, amount=unexplained, reason="Refunded at the provider.")
    _refund_succeed(refund=refund, reference="", actor=None)
    return True, f"Recorded a refund of {unexplained} made at the provider."


# --- manual payments and cancellations


def payment_record_manual(*, order_id: int, by: User, reference: str = "", note: str = "") -> Payment:
    """Record a payment taken outside Duka (cash, bank transfer) for a pending order's whole total, and mark the
    order paid. Managers and admins only. An attempt still in progress is cancelled (should it succeed after all,
    it is refunded)."""
    if not is_manager(by):
        raise PermissionDenied("Only store managers can record payments.")
    with transaction.atomic():
        try:
            order = _order_lock(order_id=order_id)
        except Order.DoesNotExist:
            raise OrderNotFound() from None
        if order.status != Order.Status.PENDING:
            raise OrderNotPayable()
        if reference and Payment.objects.filter(provider=Provider.MANUAL, provider_reference=reference).exists():
            raise DuplicateReference(field="reference")
        payments_cancel_in_progress(order=order)
        payment = Payment.objects.create(
            order=order,
            provider=Provider.MANUAL,
            amount=order.total_amount,
            currency=settings.STORE_CURRENCY,
            provider_reference=reference,
            note=note[:500],
            created_by=by,
        )
        _payment_succeed(payment=payment, receipt=reference, actor=by)
    return payment


def order_status_set(*, order_id: int, status: str, by: User) -> None:
    """A manager's status change (the API's PATCH, the admin's actions): "paid" on a pending order records a
    manual payment, as money must back it; every other change is the store's `order_status_change`."""
    if status == Order.Status.PAID:
        try:
            payment_record_manual(order_id=order_id, by=by, note="Marked paid by a status change.")
            return
        except OrderNotPayable:
            pass  # Not pending (any more): the store's rules say why it cannot become paid.
    order_status_change(order_id=order_id, status=status, by=by)


def payments_cancel_in_progress(*, order: Order) -> int:
    """Cancel the open attempts of a locked order that is being cancelled; returns how many."""
    return Payment.objects.filter(order=order, status__in=IN_PROGRESS).update(
        status=Payment.Status.CANCELLED, updated_at=timezone.now()
    )


def payments_refund_order(*, order: Order, by: User | None, reason: str) -> list[Refund]:
    """Refund everything still refundable on a locked order (a paid order being cancelled)."""
    refunds = []
    for payment in Payment.objects.select_for_update().filter(order=order, status__in=REFUNDABLE).order_by("pk"):
        left = _refundable_left(payment=payment)
        if left > 0:
            refunds.append(_refund_create(payment=payment, amount=left, reason=reason, actor=by))
    return refunds


def mpesa_callback_token_check(*, token: str) -> None:
    """M-Pesa callbacks are accepted only on the secret path: any other token is as if the path did not exist."""
    expected = settings.MPESA_CALLBACK_TOKEN
    if not (settings.MPESA_CONSUMER_KEY and expected and hmac.compare_digest(token.encode(), expected.encode())):
        raise ProviderNotConfigured()


def fake_payment_complete(*, payment_id: int, user: User, succeeded: bool) -> Payment:
    """Development payments: the customer's fake provider answers as if the customer paid (or failed to)."""
    if Provider.FAKE not in providers_enabled():
        raise PaymentNotFound()
    payment = Payment.objects.select_related("order").filter(pk=payment_id, provider=Provider.FAKE).first()
    if payment is None or payment.order.user_id != user.pk:
        raise PaymentNotFound()
    outcome = PaymentOutcome.SUCCEEDED if succeeded else PaymentOutcome.FAILED
    notification_apply(
        provider=Provider.FAKE,
        notification=Notification(
            event_id=f"{payment.provider_reference}:{outcome}",
            kind=f"fake.{outcome}",
            outcome=outcome,
            reference=payment.provider_reference,
            payload={"reference": payment.provider_reference, "outcome": outcome},
            amount=payment.amount,
            currency=payment.currency,
            receipt=f"FAKE{payment.pk}",
            failure_code="" if succeeded else "card_declined",
            failure_message="" if succeeded else "The fake provider declined the payment.",
        ),
    )
    payment.refresh_from_db()
    return payment
