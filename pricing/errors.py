"""The pricing domain's errors and their codes."""

from enum import StrEnum

from duka_app.errors import Conflict, DomainError


class ErrorCode(StrEnum):
    PRICE_CHANGED = "price_changed"
    SHIPPING_METHOD_UNAVAILABLE = "shipping_method_unavailable"
    VOUCHER_BELOW_MINIMUM = "voucher_below_minimum"
    VOUCHER_EXPIRED = "voucher_expired"
    VOUCHER_INVALID = "voucher_invalid"
    VOUCHER_NOT_APPLICABLE = "voucher_not_applicable"
    VOUCHER_NOT_STARTED = "voucher_not_started"
    VOUCHER_USED_UP = "voucher_used_up"


class ShippingMethodUnavailable(DomainError):
    code = ErrorCode.SHIPPING_METHOD_UNAVAILABLE
    default_detail = "This shipping method does not deliver to the address."


class VoucherRefused(DomainError):
    """A voucher that cannot be applied as things stand; each subclass says why."""


class VoucherInvalid(VoucherRefused):
    code = ErrorCode.VOUCHER_INVALID
    default_detail = "No voucher with this code."


class VoucherExpired(VoucherRefused):
    code = ErrorCode.VOUCHER_EXPIRED
    default_detail = "This voucher has expired."


class VoucherNotStarted(VoucherRefused):
    code = ErrorCode.VOUCHER_NOT_STARTED
    default_detail = "This voucher is not valid yet."


class VoucherBelowMinimum(VoucherRefused):
    """Raised with `min_subtotal`."""

    code = ErrorCode.VOUCHER_BELOW_MINIMUM
    default_detail = "The cart's subtotal is below this voucher's minimum."


class VoucherUsedUp(VoucherRefused):
    code = ErrorCode.VOUCHER_USED_UP
    default_detail = "This voucher has been used as often as it may be."


class VoucherNotApplicable(VoucherRefused):
    code = ErrorCode.VOUCHER_NOT_APPLICABLE
    default_detail = "This voucher applies to none of the products in the cart."


class CheckoutRefused(Conflict):
    """Checkout found a total other than the one the customer saw; raised with the new `breakdown`. The code is
    `price_changed`, or the voucher's own code when the cart's voucher no longer applies."""

    code = ErrorCode.PRICE_CHANGED
    default_detail = "The total changed since you saw it; nothing was ordered. Check the new breakdown."

    def __init__(self, detail: str | None = None, *, code: str | None = None, **data) -> None:
        super().__init__(detail, **data)
        if code is not None:
            self.code = code
