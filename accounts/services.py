from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts import tasks
from accounts.account_tokens import email_verification_tokens, password_reset_tokens, token_user_lock
from accounts.errors import (
    AccountNotDeletable,
    AddressNotFound,
    EmailAlreadyVerified,
    PasswordIncorrect,
    TooManyAddresses,
)
from accounts.models import Address, CustomerProfile, User
from accounts.roles import is_manager
from accounts.selectors import address_get
from accounts.signals import STORE_MANAGERS_GROUP, account_deleted
from accounts.tokens import refresh_tokens_revoke_all
from duka_app.ops.queue import enqueue_on_commit


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
def user_role_sync(*, user: User) -> None:
    """Keep what the role grants in step with it after an edit that may have changed only the role (the admin's
    user form): a manager is staff and in the "Store managers" group; anyone else is in no such group and is staff
    only as a superuser. So a demoted manager leaves the back office, and a promoted customer enters it."""
    is_manager = user.role == User.Role.MANAGER
    is_staff = is_manager or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    group, _ = Group.objects.get_or_create(name=STORE_MANAGERS_GROUP)
    if is_manager:
        user.groups.add(group)
    else:
        user.groups.remove(group)


@transaction.atomic
def customer_register(*, username: str, email: str, password: str) -> User:
    """Create a customer account and send a link to verify its email address."""
    user = user_create(username=username, email=email, password=password)
    email_verification_send(user=user)
    return user


@transaction.atomic
def profile_update(*, user: User, email: str | None = None, **fields: str) -> CustomerProfile:
    """Update the account's email and profile fields. A new email address is unverified until its owner follows
    the link sent to it; a change of letter case alone is the same address and stays verified."""
    if email is not None and email != user.email:
        if email.lower() != user.email.lower():
            user.email_verified_at = None
            email_verification_send(user=user)
        user.email = email
        user.save(update_fields=["email", "email_verified_at"])
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


def password_reset_request(*, email: str) -> None:
    """Email a reset link to the account with this address, if there is one. The lookup and the sending happen
    in a job, so this request does the same work, and takes the same time, whether the address is known or not."""
    enqueue_on_commit(tasks.password_reset_email_send, email)


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set the password of the user a valid reset link names and end every session of theirs. Following the
    emailed link also proves the address is theirs, so it counts as verified.

    Raises InvalidAccountToken, or Django's ValidationError with the password validators' messages."""
    user = token_user_lock(uid=uid, token=token, generator=password_reset_tokens)
    password_validation.validate_password(new_password, user=user)
    user.set_password(new_password)
    user.email_verified_at = user.email_verified_at or timezone.now()
    user.save(update_fields=["password", "email_verified_at"])
    refresh_tokens_revoke_all(user_ids=[user.pk])
    return user


def email_verification_send(*, user: User) -> None:
    """Email the user a link that verifies their current address, once the transaction commits."""
    enqueue_on_commit(tasks.email_verification_send, user.pk)


def email_verification_resend(*, user: User) -> None:
    if user.email_verified:
        raise EmailAlreadyVerified()
    email_verification_send(user=user)


@transaction.atomic
def email_verify(*, uid: str, token: str) -> User:
    """Mark the email address of the user a valid verification link names as verified. Raises InvalidAccountToken
    (also for a link already used, or sent to an address the user has since changed)."""
    user = token_user_lock(uid=uid, token=token, generator=email_verification_tokens)
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Anonymise the account for good: personal details cleared, login impossible, every session ended.

    The row stays, so the user's orders (and their shipping details, a record of the sale) stay in the books.
    Managers and administrators are refused: their accounts run the store."""
    if user.is_staff or is_manager(user):
        raise AccountNotDeletable()
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(password):
        raise PasswordIncorrect(field="password")
    # A colon is never part of a registered username, so the placeholder cannot take or collide with a real one.
    user.username = f"deleted:{user.pk}"
    user.email = ""
    user.email_verified_at = None
    user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.save(
        update_fields=["username", "email", "email_verified_at", "first_name", "last_name", "password", "is_active"]
    )
    CustomerProfile.objects.filter(user=user).update(phone="", address="", city="", country="", postal_code="")
    Address.objects.filter(user=user).delete()
    refresh_tokens_revoke_all(user_ids=[user.pk])
    account_deleted.send(sender=User, user=user)


def _address_book_lock(*, user: User) -> None:
    """Make the user's address-book writes run one at a time: the user's row is locked (FOR NO KEY UPDATE, so
    orders and cart lines referencing the user can still be inserted meanwhile). Locking the address rows would
    not do: an empty book has none, and a new address is not yet a row to lock."""
    list(User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True))


def _default_shipping_unset(*, user: User, keep: Address | None = None) -> None:
    others = Address.objects.filter(user=user, is_default_shipping=True)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    others.update(is_default_shipping=False)


@transaction.atomic
def address_create(*, user: User, is_default_shipping: bool | None = None, **fields: str) -> Address:
    """Add an address to the user's book, at most `MAX_ADDRESSES_PER_USER` of them. It becomes the default
    shipping address when asked to (the previous default is unset) or, if not said, when there is none yet."""
    _address_book_lock(user=user)
    limit = settings.MAX_ADDRESSES_PER_USER
    if Address.objects.filter(user=user).count() >= limit:
        raise TooManyAddresses(
            f"Your address book holds {limit} addresses, the most allowed; delete one before adding another.",
            limit=limit,
        )
    if is_default_shipping is None:
        is_default_shipping = not Address.objects.filter(user=user, is_default_shipping=True).exists()
    elif is_default_shipping:
        _default_shipping_unset(user=user)
    return Address.objects.create(user=user, is_default_shipping=is_default_shipping, **fields)


@transaction.atomic
def address_update(*, user: User, address_id: int, **fields: str | bool) -> Address:
    """Change some fields of one of the user's addresses. Making it the default unsets the previous default in
    the same transaction, under the address-book lock, so concurrent requests leave exactly one default."""
    _address_book_lock(user=user)
    address = address_get(user=user, address_id=address_id)
    if fields.get("is_default_shipping"):
        _default_shipping_unset(user=user, keep=address)
    for name, value in fields.items():
        setattr(address, name, value)
    address.save()
    return address


def address_delete(*, user: User, address_id: int) -> None:
    """Remove one of the user's addresses. Orders keep their own copy; deleting the default leaves none."""
    deleted, _ = Address.objects.filter(user=user, pk=address_id).delete()
    if not deleted:
        raise AddressNotFound()
