"""The security app's domain errors and their codes."""

from enum import StrEnum

from duka_app.errors import DomainError, DuplicateValue


class ErrorCode(StrEnum):
    ALREADY_BLACKLISTED = "already_blacklisted"
    IP_NOT_BLOCKABLE = "ip_not_blockable"


class AlreadyBlacklisted(DuplicateValue):
    code = ErrorCode.ALREADY_BLACKLISTED
    default_detail = "This IP address is already blacklisted."


class IPNotBlockable(DomainError):
    code = ErrorCode.IP_NOT_BLOCKABLE
    default_detail = "This IP address cannot be blacklisted."
