from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import AuthenticationFailed, Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import services
from accounts.models import Address
from accounts.permissions import IsCustomer
from accounts.roles import is_customer
from accounts.schema import (
    address_schema,
    email_verification_resend_schema,
    email_verify_schema,
    logout_all_schema,
    logout_schema,
    password_change_schema,
    password_reset_confirm_schema,
    password_reset_request_schema,
    profile_alias_schema,
    profile_schema,
    register_alias_schema,
    register_schema,
    token_obtain_schema,
    token_refresh_schema,
)
from accounts.selectors import address_get, address_list, profile_get_for_user
from accounts.serializers import (
    AccountDeleteSerializer,
    AccountLinkSerializer,
    AddressSerializer,
    EmptyBodySerializer,
    LogoutAllSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    ProfileSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    TokenRefreshSerializer,
)
from accounts.tokens import refresh_token_revoke
from core.login_backoff import login_is_locked_out, login_succeeded
from duka_app.api.throttles import ClientIPScopedRateThrottle, EmailRateThrottle
from store.errors import ErrorCode as StoreErrorCode
from store.errors import GuestCartNotFound
from store.serializers.cart import merge_report
from store.services.cart import cart_merge

PASSWORD_RESET_REQUESTED = "If an account has this email address, we have sent it a link to reset the password."


@register_schema
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


@register_alias_schema
class RegisterAliasView(RegisterView):
    pass


@token_obtain_schema
class TokenObtainView(TokenObtainPairView):
    """Log in with username and password; returns an access and a refresh token.

    Send the access token as `Authorization: Bearer <access>`; it lives minutes. Exchange the refresh
    token at `/api/auth/token/refresh/` for a new pair. Throttled per client IP (429 `throttled`); after
    repeated failures for one username from one IP, that pair is locked out for a cool-off period
    (429 `login_locked_out`), while the same user can still log in from anywhere else.
    """

    throttle_classes = [ClientIPScopedRateThrottle]
    throttle_scope = "login"
    serializer_class = TokenObtainSerializer

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
        tokens = dict(serializer.validated_data)
        if "cart_token" in tokens:
            tokens["cart_merge"] = _guest_cart_merge(serializer.user, tokens.pop("cart_token"))
        return Response(tokens, status=status.HTTP_200_OK)


def _guest_cart_merge(user, cart_token: str) -> dict:
    """The login's `cart_merge` report. A guest cart that cannot be merged does not fail the login: the
    report says why (`cart_not_found`, or `not_a_customer` for managers, whose cart is not theirs to use)."""
    if not is_customer(user):
        return {"status": "not_a_customer", "lines": []}
    try:
        return merge_report(cart_merge(user=user, cart_token=cart_token))
    except GuestCartNotFound:
        return {"status": StoreErrorCode.CART_NOT_FOUND.value, "lines": []}


@token_refresh_schema
class TokenRotateView(TokenRefreshView):
    """Exchange a refresh token for a new pair; the presented refresh token stops working."""

    serializer_class = TokenRefreshSerializer


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @logout_schema
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

    @logout_all_schema
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

    @password_change_schema
    def post(self, request):
        """Set a new password (the password validators apply). Every refresh token of the caller's is
        revoked and every access token issued before is refused from now on, on every device; the response
        carries a fresh token pair for this one. Throttled per client IP with the login rate."""
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.user_password_change(user=request.user, new_password=serializer.validated_data["new_password"])
        refresh = RefreshToken.for_user(request.user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


@profile_schema
class ProfileView(generics.RetrieveUpdateAPIView):
    """The caller's account and shipping details (every role has one). Username and role are read-only."""

    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]
    # Deleting the account takes the password: guesses are throttled per user with the login rate.
    throttle_scope = "login"
    delete_reads_body = True

    def get_object(self):
        return profile_get_for_user(user=self.request.user)

    def get_throttles(self):
        return [ClientIPScopedRateThrottle()] if self.request.method == "DELETE" else super().get_throttles()

    def delete(self, request, *args, **kwargs):
        """Delete the caller's account for good: anonymised, logged out everywhere, orders kept for the books."""
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.account_delete(user=request.user, password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@profile_alias_schema
class ProfileAliasView(ProfileView):
    pass


@password_reset_request_schema
class PasswordResetRequestView(APIView):
    """Ask for a password-reset link by email. The answer is the same whether or not an account has the address.
    Throttled per client IP and per email address."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ClientIPScopedRateThrottle, EmailRateThrottle]
    throttle_scope = "password_reset"
    email_throttle_scope = "password_reset_email"

    def post(self, request):
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response({"detail": PASSWORD_RESET_REQUESTED}, status=status.HTTP_202_ACCEPTED)


@password_reset_confirm_schema
class PasswordResetConfirmView(APIView):
    """Set a new password with the `uid` and `token` of an emailed reset link (the password validators apply).
    Every session of the user ends. The link then stops working. Throttled per client IP with the login rate."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ClientIPScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.password_reset_confirm(**serializer.validated_data)
        except DjangoValidationError as error:
            raise ValidationError({"new_password": list(error.messages)}) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


@email_verify_schema
class EmailVerifyView(APIView):
    """Verify an email address with the `uid` and `token` of the emailed link; no login needed. Throttled per
    client IP with the login rate."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ClientIPScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request):
        serializer = AccountLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.email_verify(**serializer.validated_data)
        return Response({"email": user.email, "email_verified": user.email_verified})


@email_verification_resend_schema
class EmailVerificationResendView(APIView):
    """Send the caller a new link to verify their email address. Throttled per user."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ClientIPScopedRateThrottle]
    throttle_scope = "email_verification"

    def post(self, request):
        EmptyBodySerializer(data=request.data).is_valid(raise_exception=True)
        services.email_verification_resend(user=request.user)
        return Response(
            {"detail": f"We have sent a new link to {request.user.email}."}, status=status.HTTP_202_ACCEPTED
        )


@address_schema
class AddressViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's address book (customers and admins, like the cart: managers do not shop). Another user's
    address id is answered 404, as an unknown one."""

    serializer_class = AddressSerializer
    permission_classes = [IsCustomer]
    filter_backends = []
    lookup_value_regex = r"\d{1,18}"  # a longer id cannot be a bigint: the router answers 404

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs without a user
            return Address.objects.none()
        return address_list(user=self.request.user)

    def retrieve(self, request, pk: str):
        return Response(AddressSerializer(address_get(user=request.user, address_id=int(pk))).data)

    def create(self, request):
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = services.address_create(user=request.user, **serializer.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk: str):
        serializer = AddressSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        address = services.address_update(user=request.user, address_id=int(pk), **serializer.validated_data)
        return Response(AddressSerializer(address).data)

    def destroy(self, request, pk: str):
        services.address_delete(user=request.user, address_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
