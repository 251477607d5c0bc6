"""Account rules at the service level: who a new user is, the normalised username, and the sessions that end
with a password change, a deactivation or "log out everywhere"."""

import pytest
from django.contrib.auth.models import Group
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import CustomerProfile, User
from accounts.services import (
    profile_update,
    user_create,
    user_password_change,
    user_sessions_end,
    users_deactivate,
)
from accounts.signals import STORE_MANAGERS_GROUP

PASSWORD = "Plum-Tree-Harbour-42"


def tokens_for(*users: User) -> None:
    for user in users:
        RefreshToken.for_user(user)


def revoked_tokens_of(user: User) -> list[bool]:
    tokens = OutstandingToken.objects.filter(user=user).order_by("pk")
    return [hasattr(token, "blacklistedtoken") for token in tokens]


@pytest.mark.django_db
def test_a_new_user_is_a_customer_with_a_profile_and_no_privileges():
    user = user_create(username="dave", email="dave@example.com", password=PASSWORD)

    assert (user.role, user.is_staff, user.is_superuser, user.groups.count()) == ("customer", False, False, 0)
    assert user.check_password(PASSWORD)
    assert CustomerProfile.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_new_manager_is_staff_in_the_store_managers_group():
    user = user_create(username="maria", email="maria@example.com", password=PASSWORD, role=User.Role.MANAGER)

    assert (user.role, user.is_staff, user.is_superuser) == ("manager", True, False)
    assert list(user.groups.values_list("name", flat=True)) == [STORE_MANAGERS_GROUP]


@pytest.mark.django_db
def test_the_store_managers_group_is_created_for_the_first_manager_if_missing():
    Group.objects.filter(name=STORE_MANAGERS_GROUP).delete()

    user = user_create(username="maria", email="maria@example.com", password=PASSWORD, role=User.Role.MANAGER)

    assert user.groups.get().name == STORE_MANAGERS_GROUP


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "stored"),
    [("ｄａｖｅ", "dave"), ("ﬁona", "fiona"), ("\u212aate", "Kate"), ("Dave", "Dave")],
    ids=["full-width", "fi-ligature", "kelvin-sign", "letter-case-kept"],
)
def test_the_username_is_stored_nfkc_normalised(given, stored):
    user = user_create(username=given, email="new@example.com", password=PASSWORD)

    assert User.objects.values_list("username", flat=True).get(pk=user.pk) == stored


@pytest.mark.django_db
def test_a_user_created_without_a_password_cannot_log_in_with_one():
    user = user_create(username="dave", email="dave@example.com", password=None)

    assert not user.has_usable_password()


@pytest.mark.django_db
def test_a_profile_update_changes_the_given_fields_and_the_email(customer):
    profile_update(user=customer, email="carol@new.example", city="Nairobi")

    customer.refresh_from_db()
    assert (customer.email, customer.profile.city, customer.profile.phone) == ("carol@new.example", "Nairobi", "")


@pytest.mark.django_db
def test_a_password_change_sets_the_password_and_revokes_every_refresh_token(customer, other_customer):
    tokens_for(customer, customer, other_customer)

    user_password_change(user=customer, new_password=PASSWORD)

    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert (revoked_tokens_of(customer), revoked_tokens_of(other_customer)) == ([True, True], [False])


@pytest.mark.django_db
def test_deactivating_users_revokes_their_tokens_and_counts_them(customer, other_customer, manager):
    tokens_for(customer, other_customer, manager)

    revoked = users_deactivate(user_ids=[customer.pk, other_customer.pk, customer.pk])

    assert revoked == 2
    assert dict(User.objects.values_list("username", "is_active")) == {"carol": False, "oscar": False, "maria": True}
    assert revoked_tokens_of(manager) == [False]


@pytest.mark.django_db
def test_ending_the_sessions_revokes_every_token_of_the_user_once(customer):
    tokens_for(customer, customer)

    first, second = user_sessions_end(user=customer), user_sessions_end(user=customer)

    assert (first, second) == (2, 0)
    assert customer.is_active
