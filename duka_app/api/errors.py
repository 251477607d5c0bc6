"""The API's exception handler: every error but a validation error as `{"detail": ..., "code": ..., **data}`.

Services raise domain errors (duka_app/errors.py); the handler gives each kind its HTTP status. Validation
errors, and domain errors about one input `field`, keep DRF's `{"field": ["message"]}` shape and its 400.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from duka_app.errors import Conflict, DomainError, Forbidden, NotFound, Unavailable

logger = logging.getLogger(__name__)

# The status of each kind of domain error; the first kind in an error's class hierarchy wins, any other is a 400.
DOMAIN_ERROR_STATUS: dict[type[DomainError], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Conflict: status.HTTP_409_CONFLICT,
    Unavailable: status.HTTP_502_BAD_GATEWAY,
}


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
        return domain_error_response(exc)
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


def domain_error_response(exc: DomainError) -> Response:
    if exc.field is not None:
        return Response({exc.field: [exc.detail]}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": exc.detail, "code": str(exc.code), **exc.data}, status=domain_error_status(exc))


def domain_error_status(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in DOMAIN_ERROR_STATUS:
            return DOMAIN_ERROR_STATUS[kind]
    return status.HTTP_400_BAD_REQUEST


def _code_of(exc: Exception) -> str:
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            return codes
    return getattr(exc, "default_code", "error")
