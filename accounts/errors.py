"""The accounts app's domain errors and their codes."""

from enum import StrEnum

from duka_app.errors import Conflict, DomainError, Forbidden, NotFound


class ErrorCode(StrEnum):
    ACCOUNT_NOT_DELETABLE = "account_not_deletable"
    EMAIL_ALREADY_VERIFIED = "email_already_verified"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    INVALID_TOKEN = "invalid_token"
    PASSWORD_INCORRECT = "password_incorrect"
    TOO_MANY_ADDRESSES = "too_many_addresses"


class InvalidAccountToken(DomainError):
    """A password-reset or verification link that is malformed, used, expired, or names no active account."""

    code = ErrorCode.INVALID_TOKEN
    default_detail = "This link is invalid or has expired; ask for a new one."


class EmailNotVerified(Forbidden):
    code = ErrorCode.EMAIL_NOT_VERIFIED
    default_detail = "Verify your email address first: follow the link we sent you, or ask for a new one."


class EmailAlreadyVerified(Conflict):
    code = ErrorCode.EMAIL_ALREADY_VERIFIED
    default_detail = "Your email address is already verified."


class AccountNotDeletable(Forbidden):
    """Store managers and administrators keep their accounts: deleting one through the API could lock the back
    office out by accident."""

    code = ErrorCode.ACCOUNT_NOT_DELETABLE
    default_detail = "Staff accounts cannot be deleted through the API; ask an administrator."


class PasswordIncorrect(DomainError):
    """Raised with `field="password"`."""

    code = ErrorCode.PASSWORD_INCORRECT
    default_detail = "Your password was entered incorrectly."


class AddressNotFound(NotFound):
    default_detail = "No such address in your address book."


class TooManyAddresses(Conflict):
    """The user holds as many addresses as `MAX_ADDRESSES_PER_USER` allows; raised with `limit`."""

    code = ErrorCode.TOO_MANY_ADDRESSES
    default_detail = "Your address book is full; delete an address before adding another."
