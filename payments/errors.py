"""The payments app's domain errors and their codes."""

from enum import StrEnum

from duka_app.errors import Conflict, DomainError, DuplicateValue, NotFound, Unavailable


class ErrorCode(StrEnum):
    AMOUNT_MISMATCH = "amount_mismatch"
    DUPLICATE_REFERENCE = "duplicate_reference"
    INVALID_NOTIFICATION = "invalid_notification"
    ORDER_NOT_PAYABLE = "order_not_payable"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    PAYMENT_NOT_REFUNDABLE = "payment_not_refundable"
    PROVIDER_NOT_AVAILABLE = "provider_not_available"
    PROVIDER_ERROR = "provider_error"
    REFUND_EXCEEDS_PAYMENT = "refund_exceeds_payment"
    REFERENCE_REQUIRED = "reference_required"
    UNKNOWN_PAYMENT = "unknown_payment"


class ProviderNotAvailable(DomainError):
    code = ErrorCode.PROVIDER_NOT_AVAILABLE
    default_detail = "This payment method is not available."


class ProviderNotConfigured(NotFound):
    """A notification for a provider this installation does not take: as if its endpoint did not exist."""

    default_detail = "Not found."


class PaymentRefused(DomainError):
    """The provider cannot take the attempt as asked; raised with the provider's code (`invalid_phone`, ...)."""

    code = "payment_refused"
    default_detail = "The payment provider cannot take this payment as asked."

    def __init__(self, detail: str | None = None, *, code: str | None = None, field: str | None = None, **data):
        super().__init__(detail, field=field, **data)
        self.code = code or type(self).code


class ProviderFailed(Unavailable):
    code = ErrorCode.PROVIDER_ERROR
    default_detail = "The payment provider could not be reached or refused the request; try again shortly."


class OrderNotPayable(Conflict):
    code = ErrorCode.ORDER_NOT_PAYABLE
    default_detail = "Only a pending order can be paid."


class PaymentInProgress(Conflict):
    code = ErrorCode.PAYMENT_IN_PROGRESS
    default_detail = "A payment of this order is already in progress; complete or wait for it first."


class PaymentNotFound(NotFound):
    default_detail = "No such payment."


class OrderNotFound(NotFound):
    default_detail = "No such order."


class InvalidNotification(DomainError):
    code = ErrorCode.INVALID_NOTIFICATION
    default_detail = "The notification could not be verified."


class UnknownPayment(DomainError):
    code = ErrorCode.UNKNOWN_PAYMENT
    default_detail = "The notification names no payment of this store."


class AmountMismatch(DomainError):
    code = ErrorCode.AMOUNT_MISMATCH
    default_detail = "The amount or currency paid is not the payment's."


class PaymentNotRefundable(Conflict):
    code = ErrorCode.PAYMENT_NOT_REFUNDABLE
    default_detail = "Only a succeeded payment with an amount left to refund can be refunded."


class RefundExceedsPayment(DomainError):
    code = ErrorCode.REFUND_EXCEEDS_PAYMENT
    default_detail = "Refunds may add up to at most the amount paid."


class ReferenceRequired(DomainError):
    code = ErrorCode.REFERENCE_REQUIRED
    default_detail = "This payment is refunded outside Duka: give the reversal's reference."


class DuplicateReference(DuplicateValue):
    code = ErrorCode.DUPLICATE_REFERENCE
    default_detail = "Another payment already has this reference."
