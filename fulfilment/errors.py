"""The fulfilment app's domain errors and their codes."""

from enum import StrEnum

from duka_app.errors import Conflict, DomainError, DuplicateValue, InvalidTransition, NotFound


class ErrorCode(StrEnum):
    INVALID_SIGNATURE = "invalid_signature"
    NO_REFUNDABLE_PAYMENT = "no_refundable_payment"
    ORDER_NOT_DELIVERED = "order_not_delivered"
    ORDER_NOT_SHIPPABLE = "order_not_shippable"
    RETURN_QUANTITY_EXCEEDED = "return_quantity_exceeded"
    RETURN_WINDOW_CLOSED = "return_window_closed"
    SHIPMENT_STATUS_INVALID = "shipment_status_invalid"
    RETURN_STATUS_INVALID = "return_status_invalid"
    TRACKING_NUMBER_TAKEN = "tracking_number_taken"
    UNKNOWN_SHIPMENT = "unknown_shipment"


class OrderNotFound(NotFound):
    default_detail = "No such order."


class ShipmentNotFound(NotFound):
    default_detail = "No such shipment."


class ReturnNotFound(NotFound):
    default_detail = "No such return."


class OrderNotShippable(Conflict):
    code = ErrorCode.ORDER_NOT_SHIPPABLE
    default_detail = "Only a paid (or already shipped) order can be shipped."


class TrackingNumberTaken(DuplicateValue):
    code = ErrorCode.TRACKING_NUMBER_TAKEN
    default_detail = "This carrier already has a shipment with this tracking number."


class ShipmentStatusInvalid(Conflict, InvalidTransition):
    code = ErrorCode.SHIPMENT_STATUS_INVALID
    default_detail = "The shipment cannot move to that status."


class InvalidSignature(DomainError):
    """An unknown carrier, or a body whose signature does not verify: nothing is read from it."""

    code = ErrorCode.INVALID_SIGNATURE
    default_detail = "The signature does not verify."


class UnknownShipment(DomainError):
    code = ErrorCode.UNKNOWN_SHIPMENT
    default_detail = "The event names no shipment of this carrier."


class OrderNotDelivered(Conflict):
    code = ErrorCode.ORDER_NOT_DELIVERED
    default_detail = "Only a delivered order's items can be returned."


class ReturnWindowClosed(Conflict):
    code = ErrorCode.RETURN_WINDOW_CLOSED
    default_detail = "The time to return this order's items has passed."


class ReturnQuantityExceeded(DomainError):
    code = ErrorCode.RETURN_QUANTITY_EXCEEDED
    default_detail = "More than was delivered and not yet returned."


class ReturnStatusInvalid(Conflict, InvalidTransition):
    code = ErrorCode.RETURN_STATUS_INVALID
    default_detail = "The return cannot move to that status."


class NoRefundablePayment(Conflict):
    code = ErrorCode.NO_REFUNDABLE_PAYMENT
    default_detail = "The order has no payment with an amount left to refund."
