"""Usernames are NFKC-normalised (as Django's `normalize_username`): a full-width or compatibility spelling
of a name is that name at registration, at login and in the login back-off."""

import importlib

import pytest
from axes.models import AccessAttempt
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

STRONG_PASSWORD = "Plum-Tree-Harbour-42"


def login(client, username: str, password: str = DEFAULT_PASSWORD, ip: str = "198.51.100.7"):
    return client.post("/api/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("existing", "spelling"),
    [
        pytest.param("carol", "ｃａｒｏｌ", id="full-width"),
        pytest.param("carol", "ＣＡＲＯＬ", id="full-width-upper-case"),
        pytest.param("fiona", "ﬁona", id="fi-ligature"),
        pytest.param("kate", "\u212aate", id="kelvin-sign"),
    ],
)
def test_register_refuses_a_look_alike_of_an_existing_name(api_client, existing, spelling):
    UserFactory(username=existing)
    body = {"username": spelling, "email": "new@example.com", "password": STRONG_PASSWORD}

    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}
    assert list(User.objects.values_list("username", flat=True)) == [existing]


@pytest.mark.django_db
def test_register_stores_the_normalised_name(api_client):
    body = {"username": "ｄａｖｅ", "email": "dave@example.com", "password": STRONG_PASSWORD}

    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 201
    assert response.json()["username"] == "dave"
    assert User.objects.get().username == "dave"


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["ｃａｒｏｌ", "ＣａＲｏＬ", "carol"])
def test_login_with_any_spelling_of_the_name_logs_in_as_that_user(api_client, customer, spelling):
    response = login(api_client, spelling)

    assert response.status_code == 200
    assert AccessToken(response.json()["access"])["user_id"] == str(customer.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "spellings"),
    [
        pytest.param("carol", ["carol", "ｃａｒｏｌ", "CAROL", "ＣＡＲＯＬ", "Ｃarol"], id="case-and-width"),
        # PostgreSQL's case-insensitive match takes dotless ı for i: case-folding alone would give it a key of its own.
        pytest.param("emily", ["emily", "emıly", "ｅｍｉｌｙ", "EMıLY", "ＥＭＩＬＹ"], id="dotless-i"),
    ],
)
def test_failures_in_any_spelling_count_against_one_key(api_client, settings, username, spellings):
    UserFactory(username=username)
    assert len(spellings) == settings.AXES_FAILURE_LIMIT

    failures = [login(api_client, spelling, password="wrong").status_code for spelling in spellings]

    assert failures == [401] * (len(spellings) - 1) + [429]
    assert login(api_client, username).status_code == 429, "locked out in the plain spelling too"
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {username}
    assert login(api_client, username, ip="198.51.100.8").status_code == 200, "not from another address"


@pytest.mark.django_db
def test_a_success_in_one_spelling_clears_failures_made_in_another(api_client, customer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(api_client, "ｃａｒｏｌ", password="wrong")

    assert login(api_client, "CAROL").status_code == 200
    assert not AccessAttempt.objects.exists()


@pytest.mark.django_db
def test_the_migration_normalises_stored_names_unless_taken(customer):
    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("accounts.migrations.0002_normalize_usernames")
    dave = User.objects.create(username="ｄａｖｅ", email="dave@example.com")
    look_alike = User.objects.create(username="ＣＡＲＯＬ", email="carol2@example.com")

    with connection.schema_editor() as schema_editor:
        migration.normalize_usernames(apps, schema_editor)

    assert User.objects.get(pk=dave.pk).username == "dave"
    assert User.objects.get(pk=look_alike.pk).username == "ＣＡＲＯＬ"
    assert User.objects.get(pk=customer.pk).username == "carol"
