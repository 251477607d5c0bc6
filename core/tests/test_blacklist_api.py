from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from conftest import ROLES
from core.models import BlacklistedIP
from core.tests.concurrency import start_blocked_by_this_session
from core.tests.conftest import LOGGING_QUERIES

LIST = "/api/security/blacklist/"
DUPLICATE = {"ip": ["This IP address is already blacklisted."]}
# What each role is refused with; staff are allowed.
DENIED = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": None, "admin": None}


def detail(entry) -> str:
    return f"{LIST}{entry.pk}/"


@pytest.fixture
def entry(db):
    return BlacklistedIP.objects.create(ip="203.0.113.9", reason="spam")


@pytest.mark.django_db
def test_create_normalises_the_ip_and_records_who(client_for, manager):
    expires = (timezone.now() + timedelta(days=1)).replace(microsecond=0)

    response = client_for(manager).post(
        LIST, {"ip": "2001:DB8:0::7", "reason": "scanner", "expires_at": expires.isoformat()}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    saved = BlacklistedIP.objects.get()
    assert body == {
        "id": saved.pk,
        "ip": "2001:db8::7",
        "reason": "scanner",
        "expires_at": expires.isoformat().replace("+00:00", "Z"),
        "is_active": True,
        "created_by": "maria",
        "created_at": body["created_at"],
    }
    assert saved.created_by == manager


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "ip"),
        ({"ip": ""}, "ip"),
        ({"ip": "999.1.1.1"}, "ip"),
        ({"ip": "1.2.3"}, "ip"),
        ({"ip": "localhost"}, "ip"),
        ({"ip": "10.0.0.0/8"}, "ip"),
        ({"ip": 12345}, "ip"),
        ({"ip": ["1.2.3.4"]}, "ip"),
        ({"ip": "1.2.3.4\x00"}, "ip"),
        ({"ip": "1" * 10_000}, "ip"),
        ({"ip": "1.2.3.4", "reason": "x" * 256}, "reason"),
        ({"ip": "1.2.3.4", "reason": "nul\x00"}, "reason"),
        ({"ip": "1.2.3.4", "expires_at": "tomorrow"}, "expires_at"),
        ({"ip": "1.2.3.4", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"ip": "1.2.3.4", "expires_at": 10**20}, "expires_at"),
    ],
)
def test_create_rejects_bad_input_and_changes_nothing(client_for, manager, body, field):
    response = client_for(manager).post(LIST, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not BlacklistedIP.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{oops", "[]", "null", '"1.2.3.4"'])
def test_create_rejects_malformed_json(client_for, manager, payload):
    response = client_for(manager).post(LIST, payload, content_type="application/json")

    assert response.status_code == 400
    assert not BlacklistedIP.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("ip", ["203.0.113.9", " 203.0.113.9 "])
def test_a_duplicate_is_400(client_for, manager, entry, ip):
    response = client_for(manager).post(LIST, {"ip": ip}, format="json")

    assert response.status_code == 400
    assert response.json() == DUPLICATE
    assert BlacklistedIP.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_a_duplicate_listed_while_the_request_writes_is_the_same_400(client_for, manager):
    """The request's check cannot see an uncommitted entry for the same IP; its insert waits on the unique index,
    then fails once that entry commits, and the service answers it as the same duplicate."""
    responses = []

    def post() -> None:
        try:
            responses.append(client_for(manager).post(LIST, {"ip": "203.0.113.9"}, format="json"))
        finally:
            connection.close()

    with transaction.atomic():
        BlacklistedIP.objects.create(ip="203.0.113.9", reason="first")
        other = start_blocked_by_this_session(post, "the request")
    other.join()

    [response] = responses
    assert (response.status_code, response.json()) == (400, DUPLICATE)
    assert list(BlacklistedIP.objects.values_list("ip", "reason")) == [("203.0.113.9", "first")]


@pytest.mark.django_db
def test_list_is_paginated_newest_first(client_for, admin_user, django_assert_max_num_queries):
    for n in range(3):
        BlacklistedIP.objects.create(ip=f"203.0.113.{n}")
    client = client_for(admin_user)

    with django_assert_max_num_queries(4 + LOGGING_QUERIES):
        one = client.get(LIST, {"page_size": 1})
    with django_assert_max_num_queries(4 + LOGGING_QUERIES):
        many = client.get(LIST, {"page_size": 100})

    assert one.json()["count"] == 3
    assert [row["ip"] for row in many.json()["results"]] == ["203.0.113.2", "203.0.113.1", "203.0.113.0"]


@pytest.mark.django_db
def test_patch_changes_reason_and_expiry(client_for, manager, entry):
    expires = timezone.now() + timedelta(hours=2)

    response = client_for(manager).patch(
        detail(entry), {"reason": "still spam", "expires_at": expires.isoformat()}, format="json"
    )

    assert response.status_code == 200
    entry.refresh_from_db()
    assert (entry.reason, entry.expires_at) == ("still spam", expires)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"ip": "nope"}, {"expires_at": "2000-01-01T00:00:00Z"}, {"reason": "x" * 300}])
def test_patch_rejects_bad_input_and_changes_nothing(client_for, manager, entry, body):
    response = client_for(manager).patch(detail(entry), body, format="json")

    assert response.status_code == 400
    entry.refresh_from_db()
    assert (entry.ip, entry.reason, entry.expires_at) == ("203.0.113.9", "spam", None)


@pytest.mark.django_db
def test_put_is_not_allowed(client_for, manager, entry):
    assert client_for(manager).put(detail(entry), {"ip": "1.2.3.4"}, format="json").status_code == 405


@pytest.mark.django_db
def test_delete_unlists(client_for, manager, entry):
    assert client_for(manager).delete(detail(entry)).status_code == 204
    assert not BlacklistedIP.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["999999", "abc", str(10**30), "-1"])
def test_unknown_ids_are_404(client_for, manager, pk):
    client = client_for(manager)

    assert client.get(f"{LIST}{pk}/").status_code == 404
    assert client.patch(f"{LIST}{pk}/", {"reason": "x"}, format="json").status_code == 404
    assert client.delete(f"{LIST}{pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client_as, entry, role):
    client = client_as(role)
    denied = DENIED[role]

    statuses = [
        client.get(LIST).status_code,
        client.get(detail(entry)).status_code,
        client.post(LIST, {"ip": "198.51.100.1"}, format="json").status_code,
        client.patch(detail(entry), {"reason": "changed"}, format="json").status_code,
        client.delete(detail(entry)).status_code,
    ]

    if denied:
        assert statuses == [denied] * 5
        entry.refresh_from_db()
        assert entry.reason == "spam"
        assert BlacklistedIP.objects.count() == 1
    else:
        assert statuses == [200, 200, 201, 200, 204]
        assert list(BlacklistedIP.objects.values_list("ip", flat=True)) == ["198.51.100.1"]
