"""The account endpoints' OpenAPI documentation: examples, error responses and summaries, one decorator per view."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from accounts.serializers import (
    LogoutSerializer,
    PasswordChangeSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    TokenPairSerializer,
    TokenPairWithCartMergeSerializer,
    TokenRefreshSerializer,
)
from duka_app.api.schema import error_response, error_responses
from store.schema import CART_MERGE_REPORT
from store.schema import CART_TOKEN_EXAMPLE as CART_MERGE_EXAMPLES_TOKEN


def _request_example(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


def _response_example(name: str, value: dict, status_code: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status_code)])


def _token_error(description: str) -> dict:
    """A 401 for a refresh token that simplejwt refuses, with the example of a revoked one."""
    return {401: error_response(401, description=description, code="token_not_valid", detail="Token is blacklisted")}


# Shortened tokens: the examples show the shape, not a usable credential.
_ACCESS = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.access-signature"
_REFRESH = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.refresh-signature"
_REFRESH_REQUEST = _request_example("Refresh token", {"refresh": _REFRESH})
_NEW_TOKEN_PAIR = _response_example("New token pair", {"access": _ACCESS, "refresh": _REFRESH})
_SESSION_GONE = {
    401: error_response(
        401,
        description="No valid access token: missing, expired, issued before the last password change "
        "(`password_changed`), or the account is inactive (`user_inactive`).",
    )
}
_PASSWORD = "Plum-Tree-Harbour-42"


def _register_schema(operation_id: str, description: str | None = None):
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            description=description,
            tags=["auth"],
            summary="Register a customer account",
            responses={201: RegisterSerializer, **error_responses(400, 429)},
            examples=[
                _request_example(
                    "New customer", {"username": "amina", "email": "amina@example.com", "password": _PASSWORD}
                ),
                _response_example("Created", {"id": 42, "username": "amina", "email": "amina@example.com"}, 201),
            ],
        )
    )


register_schema = _register_schema("auth_register")
register_alias_schema = _register_schema("auth_register_alias", "Alias of `POST /api/auth/register/`.")

token_obtain_schema = extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        summary="Log in: obtain an access and a refresh token",
        request=TokenObtainSerializer,
        responses={
            200: TokenPairWithCartMergeSerializer,
            401: error_response(
                401,
                description="Wrong username or password, or an inactive account.",
                code="no_active_account",
                detail="No active account found with the given credentials",
            ),
            **error_responses(400, 429),
        },
        examples=[
            _request_example("Credentials", {"username": "amina", "password": _PASSWORD}),
            _response_example("Token pair", {"access": _ACCESS, "refresh": _REFRESH}),
            _request_example(
                "Credentials and a guest cart",
                {"username": "amina", "password": _PASSWORD, "cart_token": CART_MERGE_EXAMPLES_TOKEN},
            ),
            _response_example(
                "Token pair and the merged guest cart",
                {"access": _ACCESS, "refresh": _REFRESH, "cart_merge": CART_MERGE_REPORT},
            ),
            _response_example(
                "Guest cart not found",
                {"access": _ACCESS, "refresh": _REFRESH, "cart_merge": {"status": "cart_not_found", "lines": []}},
            ),
        ],
    )
)

token_refresh_schema = extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_refresh",
        tags=["auth"],
        summary="Rotate a refresh token",
        responses={
            200: TokenRefreshSerializer,
            **_token_error("The refresh token is invalid, expired or already used."),
            **error_responses(400),
        },
        examples=[_REFRESH_REQUEST, _NEW_TOKEN_PAIR],
    )
)

logout_schema = extend_schema(
    operation_id="auth_logout",
    tags=["auth"],
    summary="Log out: revoke a refresh token",
    request=LogoutSerializer,
    responses={
        205: None,
        **_token_error("No valid access token, or the refresh token is invalid, already revoked or another user's."),
        **error_responses(400),
    },
    examples=[_REFRESH_REQUEST],
)

logout_all_schema = extend_schema(
    operation_id="auth_logout_all",
    tags=["auth"],
    summary="Log out everywhere: revoke all of the caller's refresh tokens",
    request=None,
    responses={205: None, **_SESSION_GONE},
)

password_change_schema = extend_schema(
    operation_id="auth_password_change",
    tags=["auth"],
    summary="Change the caller's password and end their other sessions",
    request=PasswordChangeSerializer,
    responses={200: TokenPairSerializer, **_SESSION_GONE, **error_responses(400, 429)},
    examples=[
        _request_example("Passwords", {"old_password": _PASSWORD, "new_password": "Mango-River-Lantern-77"}),
        _response_example("Wrong old password", {"old_password": ["Your old password was entered incorrectly."]}, 400),
        _response_example("Weak new password", {"new_password": ["This password is too common."]}, 400),
        _NEW_TOKEN_PAIR,
    ],
)

_PROFILE_EXAMPLES = [
    _request_example(
        "Shipping details",
        {"phone": "+254700000000", "address": "12 Moi Avenue", "city": "Nairobi", "country": "Kenya"},
    ),
    _response_example(
        "Profile",
        {
            "username": "amina",
            "email": "amina@example.com",
            "role": "customer",
            "phone": "+254700000000",
            "address": "12 Moi Avenue",
            "city": "Nairobi",
            "country": "Kenya",
            "postal_code": "00100",
        },
    ),
]
_PROFILE_OPERATIONS = {
    # method: (operation id, summary)
    "get": ("profile_retrieve", "Read the caller's profile"),
    "put": ("profile_update", "Replace the caller's profile"),
    "patch": ("profile_partial_update", "Update some of the caller's profile"),
}


def _profile_schema(operation_suffix: str = "", description: str = ""):
    return extend_schema_view(
        **{
            method: extend_schema(
                operation_id=operation_id + operation_suffix,
                summary=summary,
                description=description,
                tags=["profile"],
                examples=_PROFILE_EXAMPLES,
            )
            for method, (operation_id, summary) in _PROFILE_OPERATIONS.items()
        }
    )


profile_schema = _profile_schema()
profile_alias_schema = _profile_schema("_alias", "Alias of `/api/profile/`.")
