"""The single-use links emailed to users: password reset and email verification.

Both are Django's `PasswordResetTokenGenerator` tokens (a timestamp and an HMAC of the user's state under
SECRET_KEY), valid for `PASSWORD_RESET_TIMEOUT` seconds. Nothing is stored: a token dies when the state it hashes
changes. A reset token hashes the password (and the email), so it is spent once the password changes, by the
link or otherwise; a verification token hashes the email and whether it is verified, so it is spent once the
address is verified and dies when the address changes.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.errors import InvalidAccountToken
from accounts.models import User

# The largest primary key PostgreSQL's bigint holds: a uid decoding to more names no account.
_MAX_USER_ID = 2**63 - 1


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.account_tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.email_verified}{timestamp}"


password_reset_tokens = PasswordResetTokenGenerator()
email_verification_tokens = EmailVerificationTokenGenerator()


def uid_encode(*, user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def uid_decode(*, uid: str) -> int | None:
    """The user id a link's `uid` names, or None if it is malformed."""
    try:
        text = urlsafe_base64_decode(uid).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= _MAX_USER_ID:
        return None
    return int(text)


def storefront_link(*, page: str, user: User, token: str) -> str:
    """`{STOREFRONT_URL}/{page}?uid=...&token=...`: the storefront's page that posts them back to the API."""
    query = urlencode({"uid": uid_encode(user=user), "token": token})
    return f"{settings.STOREFRONT_URL.rstrip('/')}/{page}?{query}"


def token_user_lock(*, uid: str, token: str, generator: PasswordResetTokenGenerator) -> User:
    """The active user a link names, its row locked, if `token` is valid for them now; else InvalidAccountToken.

    Checked under the lock, so two requests spending the same token one after the other cannot both pass."""
    user_id = uid_decode(uid=uid)
    user = None if user_id is None else User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or not generator.check_token(user, token):
        raise InvalidAccountToken()
    return user
