"""The account emails: a password-reset link and an email-verification link. Sent by the jobs in accounts/tasks.py,
never in a request, so a request's answer and timing do not depend on whether an email goes out."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils import timezone

from accounts.account_tokens import email_verification_tokens, password_reset_tokens, storefront_link
from accounts.models import User
from duka_app.ops.emails import email_build


def password_reset_email_send(*, email: str) -> int:
    """Send a reset link to the active account with this address (any letter case) that has a password; returns
    how many emails were sent (0 for an unknown address, which the caller never learns)."""
    users = [
        user
        for user in User.objects.filter(email__iexact=email, is_active=True).exclude(email="")
        if user.has_usable_password()
    ]
    for user in users:
        _link_email_send(
            user=user, template="accounts/emails/password_reset", page="reset-password", generator=password_reset_tokens
        )
    return len(users)


def email_verification_send(*, user_id: int) -> bool:
    """Send a verification link to the user's current address; False when there is nothing to verify (the address
    is verified already, or the account is gone or inactive)."""
    user = User.objects.filter(pk=user_id, is_active=True, email_verified_at__isnull=True).exclude(email="").first()
    if user is None:
        return False
    _link_email_send(
        user=user,
        template="accounts/emails/email_verification",
        page="verify-email",
        generator=email_verification_tokens,
    )
    return True


def _link_email_send(*, user: User, template: str, page: str, generator: PasswordResetTokenGenerator) -> None:
    link = storefront_link(page=page, user=user, token=generator.make_token(user))
    expires_at = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    email_build(
        template=template, context={"user": user, "link": link, "expires_at": expires_at}, to=[user.email]
    ).send()
