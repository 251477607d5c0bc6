"""Domain errors: what a service refuses, in terms of the domain, with no HTTP in sight.

Each error carries a stable `code` (from its app's enumeration), a `detail` for people and any data a
client needs (`DomainError("...", items=[...])`). An error about one input names it (`field="slug"`): the API
answers it as a validation error of that field. The kind of error (`NotFound`, `Conflict`, ...) is all a
service says about it; the API's exception handler (duka_app/api/errors.py) maps each kind to a status.
"""

from typing import Any


class DomainError(Exception):
    """A request the domain refuses as it stands: bad input or a rule it breaks."""

    code: str = "error"
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, field: str | None = None, **data: Any) -> None:
        self.detail = detail or self.default_detail
        self.field = field
        self.data = data
        super().__init__(self.detail)


class NotFound(DomainError):
    code = "not_found"
    default_detail = "No such object."


class Conflict(DomainError):
    """The request is well formed but conflicts with the current state of the resource."""

    code = "conflict"
    default_detail = "The request conflicts with the current state of the resource."


class DuplicateValue(DomainError):
    """A value that must be unique is taken."""

    code = "duplicate"
    default_detail = "This value is already taken."


class InvalidTransition(DomainError):
    """An object cannot move from its current state to the one asked for."""

    code = "invalid_transition"
    default_detail = "The object cannot move to that state."


class Forbidden(DomainError):
    """The caller may not do this as things stand (an unverified email address, say), whatever the input."""

    code = "forbidden"
    default_detail = "You may not do this."


class Unavailable(DomainError):
    """A service the request depends on (a payment provider, say) failed or did not answer in time."""

    code = "unavailable"
    default_detail = "A service this request depends on is unavailable; try again shortly."
