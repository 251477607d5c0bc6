"""Sessions end when they should: a password change, a deactivation and "log out everywhere" revoke the
user's refresh tokens; access tokens minted before a password change are refused too."""

import pytest
from django.forms import MultiWidget
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.models import User
from accounts.signals import STORE_MANAGERS_GROUP
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.tests.concurrency import run_concurrently

NEW_PASSWORD = "Mango-River-Lantern-77"
ROLES = ["customer", "manager", "admin_user"]


def login(username: str, password: str = DEFAULT_PASSWORD) -> dict:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def change_password(access: str, body, **kwargs):
    return bearer(access).post("/api/auth/password/change/", body, format="json", **kwargs)


def password_of(user: User) -> str:
    return User.objects.values_list("password", flat=True).get(pk=user.pk)


# --- password change --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_password_change_revokes_every_earlier_token_of_the_user(request, role, other_customer):
    user = request.getfixturevalue(role)
    phone, laptop = login(user.username), login(user.username)
    bystander = login(other_customer.username)

    response = change_password(phone["access"], {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    for session in (phone, laptop):
        refused = refresh(session["refresh"])
        assert refused.status_code == 401
        assert refused.json()["code"] == "token_not_valid"
        stale = bearer(session["access"]).get("/api/profile/")
        assert stale.status_code == 401
        assert stale.json()["code"] == "password_changed"
    assert bearer(response.json()["access"]).get("/api/profile/").status_code == 200, "this device stays in"
    assert refresh(response.json()["refresh"]).status_code == 200
    assert login(user.username, NEW_PASSWORD)["access"]
    old = APIClient().post("/api/auth/token/", {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
    assert old.status_code == 401
    assert refresh(bystander["refresh"]).status_code == 200, "another user's sessions are untouched"


@pytest.mark.django_db
def test_password_change_revokes_with_a_bounded_number_of_queries(customer, settings, django_assert_max_num_queries):
    settings.REQUEST_LOGGING_ENABLED = False  # the budget is the endpoint's; without Redis logging inserts rows
    sessions = [login("carol") for _ in range(20)]
    client = bearer(sessions[0]["access"])

    with django_assert_max_num_queries(12):
        response = client.post(
            "/api/auth/password/change/",
            {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
            format="json",
        )

    assert response.status_code == 200
    assert BlacklistedToken.objects.filter(token__user=customer).count() == 20


@pytest.mark.django_db
def test_a_password_set_anywhere_else_also_refuses_earlier_tokens(customer):
    session = login("carol")
    customer.set_password(NEW_PASSWORD)  # as the admin's password form or `manage.py changepassword` do
    customer.save()

    assert refresh(session["refresh"]).status_code == 401
    assert bearer(session["access"]).get("/api/profile/").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"old_password": "wrong-password", "new_password": NEW_PASSWORD}, "old_password", id="wrong-old"),
        pytest.param({"old_password": DEFAULT_PASSWORD, "new_password": "123"}, "new_password", id="short-numeric"),
        pytest.param({"old_password": DEFAULT_PASSWORD, "new_password": "password123"}, "new_password", id="common"),
        pytest.param({"old_password": DEFAULT_PASSWORD, "new_password": "carol1234"}, "new_password", id="like-name"),
        pytest.param({"new_password": NEW_PASSWORD}, "old_password", id="missing-old"),
        pytest.param({"old_password": DEFAULT_PASSWORD}, "new_password", id="missing-new"),
        pytest.param({"old_password": DEFAULT_PASSWORD, "new_password": ""}, "new_password", id="empty-new"),
        pytest.param({"old_password": DEFAULT_PASSWORD, "new_password": None}, "new_password", id="null-new"),
        pytest.param({"old_password": [DEFAULT_PASSWORD], "new_password": NEW_PASSWORD}, "old_password", id="list"),
        pytest.param({"old_password": DEFAULT_PASSWORD, "new_password": {"a": 1}}, "new_password", id="object"),
        pytest.param({"old_password": DEFAULT_PASSWORD, "new_password": "x" * 10_000}, "new_password", id="huge"),
        pytest.param({"old_password": DEFAULT_PASSWORD, "new_password": "Mango\x00River-77"}, "new_password", id="nul"),
    ],
)
def test_password_change_rejects_bad_input_and_changes_nothing(customer, body, field):
    session = login("carol")
    before = password_of(customer)

    response = change_password(session["access"], body)

    assert response.status_code == 400
    assert isinstance(response.json()[field], list)
    assert password_of(customer) == before
    assert not BlacklistedToken.objects.exists()
    assert refresh(session["refresh"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", '"text"', "12"])
def test_password_change_rejects_malformed_or_non_object_json(customer, payload):
    session = login("carol")
    before = password_of(customer)

    response = bearer(session["access"]).post("/api/auth/password/change/", payload, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) in ({"detail", "code"}, {"non_field_errors"})
    assert password_of(customer) == before
    assert not BlacklistedToken.objects.exists()


@pytest.mark.django_db
def test_password_change_refuses_anonymous_callers(customer):
    session = login("carol")
    before = password_of(customer)

    response = APIClient().post(
        "/api/auth/password/change/", {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert password_of(customer) == before
    assert refresh(session["refresh"]).status_code == 200


# --- log out everywhere -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_logout_all_revokes_every_refresh_token_of_the_caller(request, role, other_customer):
    user = request.getfixturevalue(role)
    phone, laptop = login(user.username), login(user.username)
    bystander = login(other_customer.username)

    response = bearer(phone["access"]).post("/api/auth/logout/all/")

    assert response.status_code == 205
    assert refresh(phone["refresh"]).status_code == 401
    assert refresh(laptop["refresh"]).status_code == 401
    assert refresh(bystander["refresh"]).status_code == 200, "another user's sessions are untouched"
    assert refresh(login(user.username)["refresh"]).status_code == 200, "a new login works"


@pytest.mark.django_db
def test_logout_all_takes_a_fixed_number_of_queries(customer, settings, django_assert_max_num_queries):
    settings.REQUEST_LOGGING_ENABLED = False  # the budget is the endpoint's; without Redis logging inserts rows
    sessions = [login("carol") for _ in range(20)]
    client = bearer(sessions[0]["access"])

    with django_assert_max_num_queries(6):
        assert client.post("/api/auth/logout/all/").status_code == 205

    assert BlacklistedToken.objects.count() == 20
    assert bearer(sessions[0]["access"]).post("/api/auth/logout/all/").status_code == 205, "again: nothing left"


@pytest.mark.django_db
def test_logout_all_refuses_anonymous_callers(customer):
    session = login("carol")

    response = APIClient().post("/api/auth/logout/all/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert refresh(session["refresh"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", '"text"', "12"])
def test_logout_all_rejects_a_body_that_is_not_a_json_object(customer, payload):
    session = login("carol")

    response = bearer(session["access"]).post("/api/auth/logout/all/", payload, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) in ({"detail", "code"}, {"non_field_errors"})
    assert not BlacklistedToken.objects.exists()
    assert refresh(session["refresh"]).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_a_refresh_racing_logout_all_never_leaves_a_usable_token():
    UserFactory(username="racer")
    for _ in range(5):
        session = login("racer")

        rotated, logged_out = run_concurrently(
            lambda session=session: refresh(session["refresh"]),
            lambda session=session: bearer(session["access"]).post("/api/auth/logout/all/"),
        )

        assert logged_out.status_code == 205
        assert rotated.status_code in (200, 401)
        if rotated.status_code == 200:
            assert refresh(rotated.json()["refresh"]).status_code == 401
        assert not OutstandingToken.objects.filter(user__username="racer", blacklistedtoken__isnull=True).exists()


# --- deactivation -----------------------------------------------------------------------------------------


def admin_change_form_data(client: Client, user: User) -> dict:
    """The admin change form of `user` as the browser would post it back, the profile inline included."""
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(field.widget, MultiWidget):  # split date and time
            for suffix, widget, part in zip(
                field.widget.widgets_names, field.widget.widgets, field.widget.decompress(value), strict=True
            ):
                data[name + suffix] = widget.format_value(part) or ""
        elif isinstance(value, list):
            data[name] = [str(item) for item in value]
        else:
            data[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for index, inline_form in enumerate(formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[f"{formset.prefix}-{index}-{name}"] = "" if value is None else value
    return data


@pytest.mark.django_db
def test_unticking_active_in_the_admin_revokes_the_users_tokens(admin_user, customer, other_customer):
    session, bystander = login("carol"), login("oscar")
    client = Client()
    client.force_login(admin_user)
    data = admin_change_form_data(client, customer)
    del data["is_active"]

    response = client.post(f"/admin/accounts/user/{customer.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    customer.refresh_from_db()
    assert not customer.is_active
    assert BlacklistedToken.objects.filter(token__user=customer).count() == 1
    assert bearer(session["access"]).get("/api/profile/").status_code == 401
    User.objects.filter(pk=customer.pk).update(is_active=True)
    assert refresh(session["refresh"]).status_code == 401, "reactivating does not revive an old session"
    assert refresh(bystander["refresh"]).status_code == 200


@pytest.mark.django_db
def test_an_admin_edit_that_keeps_the_user_active_revokes_nothing(admin_user, customer):
    session = login("carol")
    client = Client()
    client.force_login(admin_user)
    data = {**admin_change_form_data(client, customer), "first_name": "Carol"}

    response = client.post(f"/admin/accounts/user/{customer.pk}/change/", data)

    assert response.status_code == 302
    assert not BlacklistedToken.objects.exists()
    assert refresh(session["refresh"]).status_code == 200


@pytest.mark.django_db
def test_the_admin_deactivate_action_revokes_every_selected_users_tokens(admin_user, customer, other_customer, manager):
    sessions = [login("carol"), login("carol"), login("oscar")]
    kept = login("maria")
    client = Client()
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [customer.pk, other_customer.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "revoked 3 refresh token(s)" in response.content.decode()
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {"carol", "oscar"}
    User.objects.update(is_active=True)
    assert [refresh(session["refresh"]).status_code for session in sessions] == [401, 401, 401]
    assert refresh(kept["refresh"]).status_code == 200


@pytest.mark.django_db
def test_the_admin_deactivate_action_leaves_the_acting_admin_active(admin_user, customer):
    client = Client()
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [admin_user.pk, customer.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "You cannot deactivate your own account." in response.content.decode()
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {"carol"}


@pytest.mark.django_db
def test_a_deactivated_users_access_token_is_refused(customer):
    session = login("carol")

    services.users_deactivate(user_ids=[customer.pk])

    response = bearer(session["access"]).get("/api/profile/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
    assert refresh(session["refresh"]).status_code == 401


@pytest.mark.django_db
def test_tokens_minted_directly_still_work(customer):
    token = RefreshToken.for_user(customer)

    assert bearer(str(token.access_token)).get("/api/profile/").status_code == 200
    assert refresh(str(token)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("old_role", "new_role"), [("manager", "customer"), ("customer", "manager")])
def test_changing_the_role_in_the_admin_changes_back_office_access(admin_user, old_role, new_role):
    user = UserFactory(username="moved", manager=old_role == "manager")
    client = Client()
    client.force_login(admin_user)
    data = admin_change_form_data(client, user)
    data["role"] = new_role

    response = client.post(f"/admin/accounts/user/{user.pk}/change/", data)

    assert response.status_code == 302
    user.refresh_from_db()
    in_group = user.groups.filter(name=STORE_MANAGERS_GROUP).exists()
    assert (user.role, user.is_staff, in_group) == (new_role, new_role == "manager", new_role == "manager")
