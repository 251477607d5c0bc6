from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.selectors import profile_get_for_user
from accounts.serializers import LogoutSerializer, ProfileSerializer, RegisterSerializer, TokenRefreshSerializer
from accounts.tokens import refresh_token_revoke
from core.login_backoff import login_is_locked_out, login_succeeded
from core.throttles import ClientIPScopedRateThrottle


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


class TokenObtainView(TokenObtainPairView):
    """Log in with username and password; returns an access and a refresh token.

    Throttled per client IP (429 `throttled`); after repeated failures for one username from one IP,
    that pair is locked out for a cool-off period (429 `login_locked_out`), while the same user can
    still log in from anywhere else.
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


class TokenRotateView(TokenRefreshView):
    """Exchange a refresh token for a new pair; the presented refresh token stops working."""

    serializer_class = TokenRefreshSerializer


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=LogoutSerializer,
        responses={205: None, 401: inline_serializer("TokenError", {"detail": serializers.CharField()})},
    )
    def post(self, request):
        """Revoke a refresh token of the caller's."""
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


class ProfileView(generics.RetrieveUpdateAPIView):
    """The caller's account and shipping details. Username and role are read-only."""

    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        return profile_get_for_user(user=self.request.user)
