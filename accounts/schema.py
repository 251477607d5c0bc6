"""The account endpoints' OpenAPI documentation: examples, error responses and summaries, one decorator per view."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from accounts.errors import AccountNotDeletable, EmailAlreadyVerified, InvalidAccountToken
from accounts.serializers import (
    AccountDeleteSerializer,
    AccountLinkSerializer,
    AddressSerializer,
    EmptyBodySerializer,
    LogoutSerializer,
    MessageSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    TokenPairSerializer,
    TokenPairWithCartMergeSerializer,
    TokenRefreshSerializer,
)
from duka_app.api.schema import ErrorSerializer, error_response, error_responses
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

_UID = "NDI"  # user 42
_TOKEN = "cd6xq1-3f1c0e5a9b7d2c4e6f8a0b1c2d3e4f5a"
_INVALID_TOKEN = {
    400: error_response(
        400,
        description="Invalid input, or a link that is malformed, already used, expired or names no active account "
        "(`invalid_token`).",
        code=InvalidAccountToken.code,
        detail=InvalidAccountToken.default_detail,
    )
}


class EmailVerificationSerializer(serializers.Serializer):
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()


password_reset_request_schema = extend_schema_view(
    post=extend_schema(
        operation_id="auth_password_reset",
        tags=["auth"],
        summary="Ask for a password-reset link by email",
        description="Answers 202 with the same body whether or not an account has the address, and does the same "
        "work either way: a background job looks the address up and sends the link to "
        "`{STOREFRONT_URL}/reset-password?uid=...&token=...`. Inactive accounts, and accounts without a password, "
        "get no email. Throttled per client IP and per email address (429).",
        request=PasswordResetRequestSerializer,
        responses={202: MessageSerializer, **error_responses(400, 429)},
        examples=[
            _request_example("Email address", {"email": "amina@example.com"}),
            _response_example(
                "Accepted",
                {"detail": "If an account has this email address, we have sent it a link to reset the password."},
                202,
            ),
        ],
    )
)

password_reset_confirm_schema = extend_schema_view(
    post=extend_schema(
        operation_id="auth_password_reset_confirm",
        tags=["auth"],
        summary="Set a new password with an emailed reset link",
        description="`uid` and `token` come from the link's query string. The link works once, for "
        "`PASSWORD_RESET_TIMEOUT` seconds, and not after the password changed in any other way. Every refresh "
        "token of the user is revoked (log in again with the new password). Following the link also verifies "
        "the email address.",
        request=PasswordResetConfirmSerializer,
        responses={204: None, **_INVALID_TOKEN, **error_responses(429)},
        examples=[
            _request_example(
                "Link and password", {"uid": _UID, "token": _TOKEN, "new_password": "Mango-River-Lantern-77"}
            ),
            _response_example("Weak new password", {"new_password": ["This password is too common."]}, 400),
        ],
    )
)

email_verify_schema = extend_schema_view(
    post=extend_schema(
        operation_id="auth_email_verify",
        tags=["auth"],
        summary="Verify an email address with the emailed link",
        description="`uid` and `token` come from the link's query string (`{STOREFRONT_URL}/verify-email?...`). "
        "The link works once, for `PASSWORD_RESET_TIMEOUT` seconds, and only for the address it was sent to.",
        request=AccountLinkSerializer,
        responses={200: EmailVerificationSerializer, **_INVALID_TOKEN, **error_responses(429)},
        examples=[
            _request_example("Link", {"uid": _UID, "token": _TOKEN}),
            _response_example("Verified", {"email": "amina@example.com", "email_verified": True}),
        ],
    )
)

email_verification_resend_schema = extend_schema_view(
    post=extend_schema(
        operation_id="auth_email_resend",
        tags=["auth"],
        summary="Send a new email-verification link to the caller",
        request=EmptyBodySerializer,
        responses={
            202: MessageSerializer,
            409: error_response(
                409,
                description="The caller's email address is verified already.",
                code=EmailAlreadyVerified.code,
                detail=EmailAlreadyVerified.default_detail,
            ),
            **_SESSION_GONE,
            **error_responses(400, 429),
        },
        examples=[_response_example("Sent", {"detail": "We have sent a new link to amina@example.com."}, 202)],
    )
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
            "email_verified": True,
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
        },
        delete=extend_schema(
            operation_id="profile_delete" + operation_suffix,
            summary="Delete the caller's account for good",
            description=(description + "\n\n" if description else "")
            + "Anonymises the account: username replaced by `deleted:<id>`, email, names and shipping details "
            "cleared, password unusable, account inactive, every refresh token revoked (access tokens are refused "
            "at once). Orders stay, with their shipping details, for the books. There is no undo. Managers and "
            "administrators are refused (403 `account_not_deletable`). Throttled per user with the login rate.",
            tags=["profile"],
            request=AccountDeleteSerializer,
            responses={
                204: None,
                403: error_response(
                    403,
                    description="A staff account (manager or administrator).",
                    code=AccountNotDeletable.code,
                    detail=AccountNotDeletable.default_detail,
                ),
                **_SESSION_GONE,
                **error_responses(400, 429),
            },
            examples=[
                _request_example("Password", {"password": _PASSWORD}),
                _response_example("Wrong password", {"password": ["Your password was entered incorrectly."]}, 400),
            ],
        ),
    )


profile_schema = _profile_schema()
profile_alias_schema = _profile_schema("_alias", "Alias of `/api/profile/`.")


class AddressLimitSerializer(ErrorSerializer):
    """The address book is full: `too_many_addresses`, with the limit."""

    limit = serializers.IntegerField(help_text="How many addresses one user may keep (`MAX_ADDRESSES_PER_USER`).")


ADDRESS = {
    "id": 7,
    "label": "Home",
    "name": "Amina Wanjiru",
    "phone": "+254 700 000 000",
    "line1": "12 Moi Avenue",
    "line2": "Flat 4B",
    "city": "Nairobi",
    "region": "Nairobi County",
    "country": "KE",
    "postal_code": "00100",
    "is_default_shipping": True,
    "created_at": "2026-03-02T09:15:00Z",
    "updated_at": "2026-03-02T09:15:00Z",
}
_ADDRESS_REQUEST = {
    key: ADDRESS[key]
    for key in ("label", "name", "phone", "line1", "line2", "city", "region", "country", "postal_code")
}
_ADDRESS_INVALID = _response_example(
    "Invalid fields",
    {
        "country": ["Not an ISO 3166-1 alpha-2 country code (e.g. KE, US, GB)."],
        "phone": ["Enter a phone number of 6 to 20 digits; spaces, dashes and a leading + are allowed."],
    },
    400,
)
_ADDRESS_NOT_FOUND = {
    404: error_response(
        404,
        description="No address with this id in the caller's book (another user's address is not found either).",
        detail="No such address in your address book.",
    )
}
_ADDRESS_TAGS = ["addresses"]

address_schema = extend_schema_view(
    list=extend_schema(
        operation_id="address_list",
        summary="The caller's address book",
        description="Paginated; the default shipping address first, then the newest.",
        tags=_ADDRESS_TAGS,
        examples=[_response_example("Addresses", ADDRESS)],
    ),
    retrieve=extend_schema(
        operation_id="address_retrieve",
        summary="One of the caller's addresses",
        tags=_ADDRESS_TAGS,
        responses={200: AddressSerializer, **_ADDRESS_NOT_FOUND},
        examples=[_response_example("Address", ADDRESS)],
    ),
    create=extend_schema(
        operation_id="address_create",
        summary="Save an address",
        description="At most `MAX_ADDRESSES_PER_USER` (default 50) per user. The first address saved becomes the "
        "default shipping address unless `is_default_shipping` says otherwise; `true` moves the default to it.",
        tags=_ADDRESS_TAGS,
        request=AddressSerializer,
        responses={
            201: AddressSerializer,
            409: error_response(
                409,
                description="The address book is full (`too_many_addresses`); nothing changed.",
                code="too_many_addresses",
                detail="Your address book holds 50 addresses, the most allowed; delete one before adding another.",
                serializer=AddressLimitSerializer,
                data={"limit": 50},
            ),
        },
        examples=[
            _request_example("Home", _ADDRESS_REQUEST),
            _response_example("Saved", ADDRESS, 201),
            _ADDRESS_INVALID,
        ],
    ),
    partial_update=extend_schema(
        operation_id="address_partial_update",
        summary="Change some fields of an address",
        description="`is_default_shipping: true` makes it the default and unsets the previous one. Orders already "
        "placed keep the address they were placed with.",
        tags=_ADDRESS_TAGS,
        request=AddressSerializer(partial=True),
        responses={200: AddressSerializer, **_ADDRESS_NOT_FOUND},
        examples=[
            _request_example("Make it the default", {"is_default_shipping": True}),
            _request_example("New phone", {"phone": "+254 711 000 111"}),
            _response_example("Address", ADDRESS),
            _ADDRESS_INVALID,
        ],
    ),
    destroy=extend_schema(
        operation_id="address_delete",
        summary="Delete an address",
        description="Orders already placed keep their copy of it. Deleting the default leaves no default: checkout "
        "then uses the profile's shipping details unless given an `address_id`.",
        tags=_ADDRESS_TAGS,
        responses={204: None, **_ADDRESS_NOT_FOUND},
    ),
)
