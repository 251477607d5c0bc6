from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import CustomerProfile, User
from accounts.signals import STORE_MANAGERS_GROUP
from accounts.tokens import refresh_tokens_revoke_all


@transaction.atomic
def user_create(*, username: str, email: str, password: str | None, role: str = User.Role.CUSTOMER) -> User:
    """Create a customer or a manager. Managers are staff and members of the "Store managers" group.

    The username is stored NFKC-normalised, so a full-width or compatibility spelling cannot pose as
    another account's name.
    """
    user = User(username=User.normalize_username(username), email=email, role=role, is_staff=role == User.Role.MANAGER)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    if role == User.Role.MANAGER:
        group, _ = Group.objects.get_or_create(name=STORE_MANAGERS_GROUP)
        user.groups.add(group)
    return user


@transaction.atomic
def profile_update(*, user: User, email: str | None = None, **fields: str) -> CustomerProfile:
    if email is not None and email != user.email:
        user.email = email
        user.save(update_fields=["email"])
    profile = user.profile
    for name, value in fields.items():
        setattr(profile, name, value)
    if fields:
        profile.save(update_fields=list(fields))
    return profile


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> None:
    """Set a new password and end every session of the user: all their refresh tokens are revoked, and
    access tokens minted under the old password are refused (they carry a digest of the old hash)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    refresh_tokens_revoke_all(user_ids=[user.pk])


@transaction.atomic
def users_deactivate(*, user_ids: Iterable[int]) -> int:
    """Deactivate these users and revoke all their refresh tokens, so that reactivating an account later
    does not revive a session (or a stolen token) from before. Returns how many tokens were revoked."""
    user_ids = sorted(set(user_ids))
    revoked = refresh_tokens_revoke_all(user_ids=user_ids)  # locks the rows in primary-key order first
    User.objects.filter(pk__in=user_ids, is_active=True).update(is_active=False)
    return revoked


def user_sessions_end(*, user: User) -> int:
    """Log the user out everywhere: revoke every refresh token of theirs. Returns how many were revoked."""
    return refresh_tokens_revoke_all(user_ids=[user.pk])
