"""OpenAPI building blocks shared by every app: the error shapes and the standard error responses.

`AutoSchema` (the project's DEFAULT_SCHEMA_CLASS) documents the errors an operation can produce without
each view declaring them:

| status | when it is added |
|---|---|
| 400 | the operation takes a request body or query parameters |
| 401 | the view reads a token (it has authenticators) or requires a login |
| 403 | a permission beyond "logged in" applies (a role), unless anonymous callers may use the operation |
| 404 | the path names an object, or the list is paginated (a page past the end) |
| 413 | the operation takes a request body (one over `DATA_UPLOAD_MAX_MEMORY_SIZE`) |
| 429 | the view is throttled |

Anything else (409 for domain conflicts, or a more precise description) is declared on the view with
`error_responses(...)` / `error_response(...)` inside `@extend_schema(responses=...)`; declared codes win.
"""

import re
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import permissions, serializers


class ErrorSerializer(serializers.Serializer):
    """Every error but a validation error: a human-readable `detail` and a stable machine-readable `code`.

    Domain errors may add fields with the data a client needs (e.g. `items` for insufficient stock).
    """

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="A stable identifier of the error, for programs.")


class ValidationErrorSerializer(serializers.Serializer):
    """DRF's validation error shape: each invalid field maps to its messages (`non_field_errors` for the
    object as a whole); nested serializers nest the same shape."""


class ValidationErrorSchema(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}}
        return {
            "type": "object",
            "description": ValidationErrorSerializer.__doc__.replace("\n    ", " "),
            "additionalProperties": {"anyOf": [messages, {"type": "object"}]},
        }


BadRequestSerializer = PolymorphicProxySerializer(
    component_name="BadRequest",
    serializers=[ValidationErrorSerializer, ErrorSerializer],
    resource_type_field_name=None,
)

_STANDARD_ERRORS: dict[int, tuple[str, str, str]] = {
    # status: (description, code, detail) of the documented example
    400: (
        "Invalid input: a validation error `{field: [messages]}`, or `{detail, code}` for a malformed request.",
        "parse_error",
        "JSON parse error - Expecting value: line 1 column 1 (char 0)",
    ),
    401: (
        "No valid credentials: the access token is missing, expired or invalid.",
        "not_authenticated",
        "Authentication credentials were not provided.",
    ),
    403: ("The caller's role may not do this.", "permission_denied", "You do not have permission to do this."),
    404: ("No such object (or no such page).", "not_found", "No object matches the given query."),
    409: ("Conflicts with the current state of the resource.", "conflict", "The request conflicts with the resource."),
    413: (
        "The request body is larger than the server accepts.",
        "request_too_large",
        "The request body is larger than the server accepts.",
    ),
    429: ("Too many requests; retry after the `Retry-After` header's seconds.", "throttled", "Request was throttled."),
}


_BAD_REQUEST_BODIES: dict[type, PolymorphicProxySerializer] = {ErrorSerializer: BadRequestSerializer}


def _bad_request_serializer(serializer_class: type) -> PolymorphicProxySerializer:
    """A validation error or the given `{detail, code, ...}` error, as one `BadRequest<Name>` component."""
    if serializer_class not in _BAD_REQUEST_BODIES:
        _BAD_REQUEST_BODIES[serializer_class] = PolymorphicProxySerializer(
            component_name="BadRequest" + serializer_class.__name__.removesuffix("Serializer"),
            serializers=[ValidationErrorSerializer, serializer_class],
            resource_type_field_name=None,
        )
    return _BAD_REQUEST_BODIES[serializer_class]


def error_response(
    status_code: int,
    *,
    description: str = "",
    code: str = "",
    detail: str = "",
    serializer: type[ErrorSerializer] = ErrorSerializer,
    data: dict | None = None,
) -> OpenApiResponse:
    """One documented error response with the standard shape; the arguments refine the default text and example.

    `serializer` is an `ErrorSerializer` subclass for errors that carry more data, and `data` those extra fields
    in the example (e.g. `items` for insufficient stock).
    """
    default_description, default_code, default_detail = _STANDARD_ERRORS.get(
        status_code, ("Error.", "error", "The request could not be completed.")
    )
    example = {"detail": detail or default_detail, "code": code or default_code, **(data or {})}
    examples = [OpenApiExample(example["code"], value=example, status_codes=[str(status_code)], response_only=True)]
    if status_code == 400:
        examples.insert(
            0,
            OpenApiExample(
                "validation_error",
                value={"field_name": ["This field is required."]},
                status_codes=["400"],
                response_only=True,
            ),
        )
    return OpenApiResponse(
        response=_bad_request_serializer(serializer) if status_code == 400 else serializer,
        description=description or default_description,
        examples=examples,
    )


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """`@extend_schema(responses={200: FooSerializer, **error_responses(400, 409)})`."""
    return {status_code: error_response(status_code) for status_code in status_codes}


# The route regexes of integer ids, as drf-spectacular renders them: `^\d{1,18}$`, `^[0-9]+$`.
_DIGITS_PATTERN = re.compile(r"\^(\\d|\[0-9\])(\{1,\d+\}|\+)\$")
_LOGIN_ONLY_PERMISSIONS = (permissions.AllowAny, permissions.IsAuthenticated)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus the standard error responses (see the module docstring), and an
    optional bearer token on operations whose permissions admit anonymous callers (e.g. catalog reads)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status_code in self._standard_error_codes(operation):
            if str(status_code) not in responses:
                responses[str(status_code)] = self._get_response_for_code(error_response(status_code), str(status_code))
        operation["responses"] = dict(sorted(responses.items()))
        self._document_id_parameters(operation)
        return operation

    def _get_request_body(self, direction="request"):
        """drf-spectacular documents the bodies of POST, PUT and PATCH only; a view whose DELETE reads one (deleting
        an account takes the password) says so with `delete_reads_body = True`, and its body is documented as a
        POST's would be."""
        if self.method != "DELETE" or not getattr(self.view, "delete_reads_body", False):
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def _document_id_parameters(self, operation: dict) -> None:
        """Path ids are positive integers, also where the route narrows them with a digits-only regex (which
        drf-spectacular renders as a string pattern); each gets an example, so "Try it out" starts from one."""
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] != "path" or not (
                schema.get("type") == "integer" or _DIGITS_PATTERN.fullmatch(schema.get("pattern", ""))
            ):
                continue
            parameter["schema"] = {"type": "integer", "minimum": 1}
            parameter.setdefault("example", 1)

    def get_auth(self):
        auths = super().get_auth()
        if auths and {} not in auths and self._admits_anonymous():
            auths.append({})
        return auths

    def _admits_anonymous(self) -> bool:
        """Whether every permission of the view lets an anonymous caller use this method."""
        anonymous = SimpleNamespace(method=self.method, user=AnonymousUser(), auth=None)
        return all(permission.has_permission(anonymous, self.view) for permission in self.view.get_permissions())

    def _standard_error_codes(self, operation: dict) -> list[int]:
        view = self.view
        permission_classes = [type(permission) for permission in view.get_permissions()]
        has_query = any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
        codes = []
        if "requestBody" in operation or has_query:
            codes.append(400)
        if view.get_authenticators() or any(cls is not permissions.AllowAny for cls in permission_classes):
            codes.append(401)
        if any(not issubclass(cls, _LOGIN_ONLY_PERMISSIONS) for cls in permission_classes) and not (
            self._admits_anonymous()
        ):
            codes.append(403)
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            codes.append(404)
        if "requestBody" in operation:
            codes.append(413)
        if view.get_throttles():
            codes.append(429)
        return codes
