from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import services
from accounts.selectors import profile_get_for_user
from accounts.serializers import (
    LogoutAllSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    ProfileSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
)
from accounts.tokens import refresh_token_revoke
from core.login_backoff import login_is_locked_out, login_succeeded
from duka_app.api.schema import error_response, error_responses
from duka_app.api.throttles import ClientIPScopedRateThrottle

# Shortened tokens: the examples show the shape, not a usable credential.
_ACCESS_EXAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.access-signature"
_REFRESH_EXAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.refresh-signature"
_TOKEN_PAIR_EXAMPLE = {"access": _ACCESS_EXAMPLE, "refresh": _REFRESH_EXAMPLE}
_INVALID_TOKEN = error_response(
    401,
    description="The refresh token is invalid, expired or already used.",
    code="token_not_valid",
    detail="Token is blacklisted",
)

_SESSION_GONE = error_response(
    401,
    description="No valid access token: missing, expired, issued before the last password change "
    "(`password_changed`), or the account is inactive (`user_inactive`).",
)

_REGISTER_SCHEMA = dict(
    tags=["auth"],
    summary="Register a customer account",
    responses={201: RegisterSerializer, **error_responses(400, 429)},
    examples=[
        OpenApiExample(
            "New customer",
            value={"username": "amina", "email": "amina@example.com", "password": "Plum-Tree-Harbour-42"},
            request_only=True,
        ),
        OpenApiExample(
            "Created",
            value={"id": 42, "username": "amina", "email": "amina@example.com"},
            response_only=True,
            status_codes=["201"],
        ),
    ],
)
_PROFILE_EXAMPLES = [
    OpenApiExample(
        "Shipping details",
        value={"phone": "+254700000000", "address": "12 Moi Avenue", "city": "Nairobi", "country": "Kenya"},
        request_only=True,
    ),
    OpenApiExample(
        "Profile",
        value={
            "username": "amina",
            "email": "amina@example.com",
            "role": "customer",
            "phone": "+254700000000",
            "address": "12 Moi Avenue",
            "city": "Nairobi",
            "country": "Kenya",
            "postal_code": "00100",
        },
        response_only=True,
        status_codes=["200"],
    ),
]


def _profile_schema(operation_suffix: str = "", alias_of: str = ""):
    note = f"Alias of `{alias_of}`." if alias_of else ""
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"profile_retrieve{operation_suffix}",
            summary="Read the caller's profile",
            description=note,
            tags=["profile"],
            examples=_PROFILE_EXAMPLES,
        ),
        put=extend_schema(
            operation_id=f"profile_update{operation_suffix}",
            summary="Replace the caller's profile",
            description=note,
            tags=["profile"],
            examples=_PROFILE_EXAMPLES,
        ),
        patch=extend_schema(
            operation_id=f"profile_partial_update{operation_suffix}",
            summary="Update some of the caller's profile",
            description=note,
            tags=["profile"],
            examples=_PROFILE_EXAMPLES,
        ),
    )


@extend_schema_view(post=extend_schema(operation_id="auth_register", **_REGISTER_SCHEMA))
class RegisterView(generics.CreateAPIView):
    """Create a customer account. Nothing in the body can make a manager or an administrator."""

    serializer_class = RegisterSerializer
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ClientIPScopedRateThrottle]
    throttle_scope = "register"


class LoginLockedOut(Throttled):
    default_detail = "Too many failed logins for this username from this address; try again later."
    default_code = "login_locked_out"


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_register_alias", description="Alias of `POST /api/auth/register/`.", **_REGISTER_SCHEMA
    )
)
class RegisterAliasView(RegisterView):
    pass


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        summary="Log in: obtain an access and a refresh token",
        responses={
            200: TokenPairSerializer,
            401: error_response(
                401,
                description="Wrong username or password, or an inactive account.",
                code="no_active_account",
                detail="No active account found with the given credentials",
            ),
            **error_responses(400, 429),
        },
        examples=[
            OpenApiExample(
                "Credentials", value={"username": "amina", "password": "Plum-Tree-Harbour-42"}, request_only=True
            ),
            OpenApiExample("Token pair", value=_TOKEN_PAIR_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
)
class TokenObtainView(TokenObtainPairView):
    """Log in with username and password; returns an access and a refresh token.

    Send the access token as `Authorization: Bearer <access>`; it lives minutes. Exchange the refresh
    token at `/api/auth/token/refresh/` for a new pair. Throttled per client IP (429 `throttled`); after
    repeated failures for one username from one IP, that pair is locked out for a cool-off period
    (429 `login_locked_out`), while the same user can still log in from anywhere else.
    """

    throttle_classes = [ClientIPScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        except AuthenticationFailed:
            if login_is_locked_out(request):
                raise LoginLockedOut(wait=int(settings.AXES_COOLOFF_TIME.total_seconds())) from None
            raise
        login_succeeded(request, serializer.user)
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_refresh",
        tags=["auth"],
        summary="Rotate a refresh token",
        responses={200: TokenRefreshSerializer, 401: _INVALID_TOKEN, **error_responses(400)},
        examples=[
            OpenApiExample("Refresh token", value={"refresh": _REFRESH_EXAMPLE}, request_only=True),
            OpenApiExample("New token pair", value=_TOKEN_PAIR_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
)
class TokenRotateView(TokenRefreshView):
    """Exchange a refresh token for a new pair; the presented refresh token stops working."""

    serializer_class = TokenRefreshSerializer


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout",
        tags=["auth"],
        summary="Log out: revoke a refresh token",
        request=LogoutSerializer,
        responses={
            205: None,
            401: error_response(
                401,
                description="No valid access token, or the refresh token is invalid, already revoked or another "
                "user's.",
                code="token_not_valid",
                detail="Token is blacklisted",
            ),
            **error_responses(400),
        },
        examples=[OpenApiExample("Refresh token", value={"refresh": _REFRESH_EXAMPLE}, request_only=True)],
    )
    def post(self, request):
        """Revoke a refresh token of the caller's; it can no longer be exchanged for tokens."""
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        if str(token.payload.get("user_id")) != str(request.user.pk):
            raise InvalidToken("This refresh token belongs to another user.")
        refresh_token_revoke(token=token)
        return Response(status=status.HTTP_205_RESET_CONTENT)


class LogoutAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout_all",
        tags=["auth"],
        summary="Log out everywhere: revoke all of the caller's refresh tokens",
        request=None,
        responses={205: None, 401: _SESSION_GONE},
    )
    def post(self, request):
        """Revoke every refresh token of the caller's, on every device. Access tokens already issued stay
        valid until they expire (minutes)."""
        LogoutAllSerializer(data=request.data).is_valid(raise_exception=True)
        services.user_sessions_end(user=request.user)
        return Response(status=status.HTTP_205_RESET_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ClientIPScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="auth_password_change",
        tags=["auth"],
        summary="Change the caller's password and end their other sessions",
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer, 401: _SESSION_GONE, **error_responses(400, 429)},
        examples=[
            OpenApiExample(
                "Passwords",
                value={"old_password": "Plum-Tree-Harbour-42", "new_password": "Mango-River-Lantern-77"},
                request_only=True,
            ),
            OpenApiExample(
                "Wrong old password",
                value={"old_password": ["Your old password was entered incorrectly."]},
                response_only=True,
                status_codes=["400"],
            ),
            OpenApiExample(
                "Weak new password",
                value={"new_password": ["This password is too common."]},
                response_only=True,
                status_codes=["400"],
            ),
            OpenApiExample("New token pair", value=_TOKEN_PAIR_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
    def post(self, request):
        """Set a new password (the password validators apply). Every refresh token of the caller's is
        revoked and every access token issued before is refused from now on, on every device; the response
        carries a fresh token pair for this one. Throttled per client IP with the login rate."""
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.user_password_change(user=request.user, new_password=serializer.validated_data["new_password"])
        refresh = RefreshToken.for_user(request.user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


@_profile_schema()
class ProfileView(generics.RetrieveUpdateAPIView):
    """The caller's account and shipping details (every role has one). Username and role are read-only."""

    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        return profile_get_for_user(user=self.request.user)


@_profile_schema(operation_suffix="_alias", alias_of="/api/profile/")
class ProfileAliasView(ProfileView):
    pass
