"""Refresh-token rotation where a refresh token is good for exactly one refresh, and bulk revocation.

SimpleJWT's stock rotation blacklists with `get_or_create`, so several requests presenting the same
token at the same moment all succeed. Here the blacklist row is inserted, not fetched: its unique
constraint lets exactly one of the racing transactions through and the others get "token not valid".

Rotation and bulk revocation both lock the user's row first, so a refresh racing a password change,
a deactivation or "log out everywhere" either finishes before the revocation (which then sees and
revokes the new token) or runs after it (and finds its token revoked).
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password

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
    """Revoke `token` and return a new access token and a new refresh token for the same user.

    A token minted before the user's last password change is refused even if it escaped the blacklist:
    it carries a digest of the password hash it was issued under (SimpleJWT's `CHECK_REVOKE_TOKEN`).
    """
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=token.payload.get("user_id"), is_active=True).first()
        if user is None:
            raise InvalidToken("No active account found for the given token.")
        if api_settings.CHECK_REVOKE_TOKEN and token.payload.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise InvalidToken("The user's password has been changed.")
        refresh_token_revoke(token=token)
        new_refresh = RefreshToken.for_user(user)
    return {"access": str(new_refresh.access_token), "refresh": str(new_refresh)}


@transaction.atomic
def refresh_tokens_revoke_all(*, user_ids: Iterable[int]) -> int:
    """Blacklist every unexpired refresh token of these users in one insert; return how many were revoked."""
    user_ids = sorted(set(user_ids))
    # Lock the users' rows in primary-key order, as rotation does, so a concurrent refresh is serialised.
    list(User.objects.select_for_update().filter(pk__in=user_ids).order_by("pk").values_list("pk", flat=True))
    token_ids = OutstandingToken.objects.filter(
        user_id__in=user_ids, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).values_list("pk", flat=True)
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=token_id) for token_id in token_ids], ignore_conflicts=True
    )
    return len(revoked)
