"""The accounts app's domain errors and their codes."""

from enum import StrEnum

from duka_app.errors import Conflict, NotFound


class ErrorCode(StrEnum):
    TOO_MANY_ADDRESSES = "too_many_addresses"


class AddressNotFound(NotFound):
    default_detail = "No such address in your address book."


class TooManyAddresses(Conflict):
    """The user holds as many addresses as `MAX_ADDRESSES_PER_USER` allows; raised with `limit`."""

    code = ErrorCode.TOO_MANY_ADDRESSES
    default_detail = "Your address book is full; delete an address before adding another."
