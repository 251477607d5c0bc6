from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import CustomerProfile, User
from accounts.signals import STORE_MANAGERS_GROUP


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
