"""Domain errors and the API's exception handler.

Services raise `DomainError` subclasses carrying a stable `code`, an HTTP status and the data a client
needs; `api_exception_handler` renders them, and every other non-validation error, as
`{"detail": ..., "code": ..., **data}`. Validation errors keep DRF's `{"field": ["message"]}` shape.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "error"
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None, **data: Any) -> None:
        self.detail = detail or self.default_detail
        self.data = data
        super().__init__(self.detail)


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_detail = "The request conflicts with the current state of the resource."


class OutOfRange(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "A value is out of range or malformed."
    default_code = "invalid"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the server accepts."
    default_code = "request_too_large"


class TooManyFields(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request has more fields or files than the server accepts."
    default_code = "too_many_fields"


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        return Response({"detail": exc.detail, "code": exc.code, **exc.data}, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django's upload limits, hit while the body is read: its own handler would answer with an HTML 400.
        logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
        exc = RequestTooLarge() if isinstance(exc, RequestDataTooBig) else TooManyFields()
    elif isinstance(exc, DataError):
        # A value PostgreSQL cannot store or compare (an integer past bigint, say) is bad input, not a crash.
        logger.info("Rejected a value the database cannot represent: %s", exc)
        exc = OutOfRange()
    elif isinstance(exc, Http404):
        # DRF turns these into its own exceptions only for the response; convert first so the code is theirs.
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is None or isinstance(exc, exceptions.ValidationError):
        return response
    if isinstance(response.data, dict) and "code" not in response.data:
        response.data["code"] = _code_of(exc)
    return response


def _code_of(exc: Exception) -> str:
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            return codes
    return getattr(exc, "default_code", "error")
