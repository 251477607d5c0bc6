"""Refresh-token rotation where a refresh token is good for exactly one refresh.

SimpleJWT's stock rotation blacklists with `get_or_create`, so several requests presenting the same
token at the same moment all succeed. Here the blacklist row is inserted, not fetched: its unique
constraint lets exactly one of the racing transactions through and the others get "token not valid".
"""

from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User


def refresh_token_revoke(*, token: RefreshToken) -> None:
    """Blacklist `token`; raise InvalidToken if it was already revoked, also by a concurrent request."""
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token["jti"],
        defaults={
            "user": User.objects.filter(pk=token.payload.get("user_id")).first(),
            "token": str(token),
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as error:
        raise InvalidToken("Token is blacklisted") from error


def refresh_token_rotate(*, token: RefreshToken) -> dict[str, str]:
    """Revoke `token` and return a new access token and a new refresh token for the same user."""
    user = User.objects.filter(pk=token.payload.get("user_id"), is_active=True).first()
    if user is None:
        raise InvalidToken("No active account found for the given token.")
    with transaction.atomic():
        refresh_token_revoke(token=token)
        new_refresh = RefreshToken.for_user(user)
    return {"access": str(new_refresh.access_token), "refresh": str(new_refresh)}
