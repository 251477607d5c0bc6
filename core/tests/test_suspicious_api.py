from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import ROLES
from core.models import BlacklistedIP, SuspiciousIP
from core.tests.conftest import LOGGING_QUERIES
from core.tests.factories import SuspiciousIPFactory

LIST = "/api/security/suspicious/"


def make(ip: str, minutes_ago: int, resolved: bool = False) -> SuspiciousIP:
    seen = timezone.now() - timedelta(minutes=minutes_ago)
    return SuspiciousIPFactory(ip=ip, request_count=9, first_seen=seen, resolved=resolved)


@pytest.fixture
def flagged(db):
    return [make("203.0.113.1", 30), make("203.0.113.2", 5), make("203.0.113.3", 60, resolved=True)]


@pytest.mark.django_db
def test_list_is_newest_first(client_for, manager, flagged):
    response = client_for(manager).get(LIST)

    assert response.status_code == 200
    assert [row["ip"] for row in response.json()["results"]] == ["203.0.113.2", "203.0.113.1", "203.0.113.3"]
    assert set(response.json()["results"][0]) == {
        "id",
        "ip",
        "reason",
        "request_count",
        "error_count",
        "failed_login_count",
        "first_seen",
        "last_seen",
        "resolved",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "ips"), [("true", ["203.0.113.3"]), ("false", ["203.0.113.2", "203.0.113.1"])])
def test_filter_resolved(client_for, manager, flagged, value, ips):
    response = client_for(manager).get(LIST, {"resolved": value})

    assert [row["ip"] for row in response.json()["results"]] == ips


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["maybe", "2", "x" * 10_000])
def test_a_bad_resolved_filter_is_400(client_for, manager, flagged, value):
    response = client_for(manager).get(LIST, {"resolved": value})

    assert response.status_code == 400
    assert "resolved" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [1, 100])
def test_list_query_budget(client_for, manager, flagged, django_assert_max_num_queries, page_size):
    client = client_for(manager)
    with django_assert_max_num_queries(3 + LOGGING_QUERIES):
        assert client.get(LIST, {"page_size": page_size}).status_code == 200


@pytest.mark.django_db
def test_blacklist_action_lists_the_ip_and_resolves_it(
    client_for, manager, flagged, django_capture_on_commit_callbacks
):
    target = flagged[0]
    expires = timezone.now() + timedelta(hours=1)
    client = client_for(manager)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"{LIST}{target.pk}/blacklist/", {"expires_at": expires.isoformat()}, format="json")
    again = client.post(f"{LIST}{target.pk}/blacklist/", {}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    listed = BlacklistedIP.objects.get()
    assert (listed.ip, listed.expires_at, listed.created_by, listed.reason) == (
        "203.0.113.1",
        expires,
        manager,
        "Suspicious: burst",
    )
    assert first.json()["id"] == again.json()["id"] == listed.pk
    target.refresh_from_db()
    assert target.resolved
    assert client_for(None).get("/api/products/", REMOTE_ADDR="203.0.113.1").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{"expires_at": "2000-01-01T00:00:00Z"}, {"expires_at": "soon"}, {"reason": "x" * 300}]
)
def test_blacklist_action_rejects_bad_input_and_changes_nothing(client_for, manager, flagged, body):
    response = client_for(manager).post(f"{LIST}{flagged[0].pk}/blacklist/", body, format="json")

    assert response.status_code == 400
    assert not BlacklistedIP.objects.exists()
    flagged[0].refresh_from_db()
    assert not flagged[0].resolved


@pytest.mark.django_db
def test_resolve_action(client_for, admin_user, flagged):
    response = client_for(admin_user).post(f"{LIST}{flagged[1].pk}/resolve/")

    assert response.status_code == 200
    assert response.json()["resolved"] is True
    assert list(SuspiciousIP.objects.filter(resolved=False).values_list("ip", flat=True)) == ["203.0.113.1"]
    assert not BlacklistedIP.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["999999", "abc", str(10**30)])
def test_unknown_ids_are_404(client_for, manager, pk):
    client = client_for(manager)

    assert client.get(f"{LIST}{pk}/").status_code == 404
    assert client.post(f"{LIST}{pk}/blacklist/").status_code == 404
    assert client.post(f"{LIST}{pk}/resolve/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client_as, flagged, role):
    client = client_as(role)
    denied = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": None, "admin": None}[role]
    target = flagged[0]

    statuses = [
        client.get(LIST).status_code,
        client.get(f"{LIST}{target.pk}/").status_code,
        client.post(f"{LIST}{target.pk}/resolve/").status_code,
        client.post(f"{LIST}{target.pk}/blacklist/").status_code,
        client.delete(f"{LIST}{target.pk}/").status_code,
    ]

    if denied:
        assert statuses == [denied] * 5
        target.refresh_from_db()
        assert not target.resolved and not BlacklistedIP.objects.exists()
    else:
        assert statuses == [200, 200, 200, 201, 405]
