from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from conftest import ROLES
from core.dashboard import dashboard_last_day
from core.request_logs import request_logs_drain
from core.tests.conftest import LOGGING_QUERIES
from core.tests.factories import BlacklistedIPFactory, SuspiciousIPFactory

URL = "/api/security/dashboard/"
DAY = datetime(2026, 3, 10, tzinfo=UTC)

# (ip, country, hours after DAY 00:00): spread over five days, four countries, one IP without a country.
SEEDED = (
    [("8.8.8.8", "US", h) for h in (1, 2, 3, 30, 31, 55, 100)]
    + [("81.2.69.142", "GB", h) for h in (5, 6, 26, 27, 28, 29, 73)]
    + [("5.9.0.1", "DE", h) for h in (0, 23, 24, 48, 49, 50)]
    + [("46.4.0.1", "DE", h) for h in (47, 71, 72, 95, 96)]
    + [("1.1.1.1", "AU", h) for h in (10, 119)]
    + [("10.0.0.5", "", h) for h in (11, 12, 60)]
)


@pytest.fixture
def seeded(add_logs):
    rows = [(ip, country, DAY + timedelta(hours=hours)) for ip, country, hours in SEEDED]
    add_logs(rows)
    return rows


def expected(rows, day_from, day_to, top_n):
    """The dashboard's numbers computed straight from the seeded rows."""
    chosen = [(ip, country) for ip, country, when in rows if day_from <= when.date() <= day_to]
    per_ip = Counter(ip for ip, _ in chosen)
    country_of = dict(chosen)
    per_country = Counter(country for _, country in chosen)
    return {
        "total_requests": len(chosen),
        "requests_per_country": sorted(
            ({"country": country or None, "count": n} for country, n in per_country.items()),
            key=lambda row: (-row["count"], row["country"] or ""),
        ),
        "top_ips": [
            {"ip": ip, "count": n, "country": country_of[ip] or None}
            for ip, n in sorted(per_ip.items(), key=lambda item: (-item[1], item[0]))[:top_n]
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day_from", "day_to", "top_n"),
    [
        ("2026-03-10", "2026-03-14", 10),
        ("2026-03-10", "2026-03-14", 2),
        ("2026-03-11", "2026-03-12", 3),
        ("2026-03-13", "2026-03-13", 100),
        ("2026-03-15", "2026-03-20", 5),
        ("2026-01-01", "2026-12-31", 1),
    ],
)
def test_the_numbers_equal_counts_computed_from_the_logs(client_for, manager, seeded, day_from, day_to, top_n):
    BlacklistedIPFactory(ip="203.0.113.1")
    BlacklistedIPFactory(ip="203.0.113.2", expires_at=timezone.now() - timedelta(minutes=1))
    BlacklistedIPFactory(ip="203.0.113.3", expires_at=timezone.now() + timedelta(minutes=1))
    SuspiciousIPFactory(ip="203.0.113.4")
    SuspiciousIPFactory(ip="203.0.113.5", resolved=True)

    response = client_for(manager).get(URL, {"from": day_from, "to": day_to, "top_n": top_n})

    assert response.status_code == 200
    first, last = datetime.fromisoformat(day_from).date(), datetime.fromisoformat(day_to).date()
    assert response.json() == {
        "from": day_from,
        "to": day_to,
        **expected(seeded, first, last, top_n),
        "blacklisted_count": 2,
        "suspicious_count": 1,
    }


@pytest.mark.django_db
def test_logs_written_without_a_country_count_under_their_country_once_resolved(
    client_for, admin_user, api_client, no_redis_buffer
):
    for ip in ["8.8.8.8", "8.8.8.8", "81.2.69.142"]:
        api_client.get("/api/products/", REMOTE_ADDR=ip)
    today = timezone.now().date().isoformat()

    before = client_for(admin_user).get(URL, {"from": today, "to": today}).json()
    request_logs_drain()
    after = client_for(admin_user).get(URL, {"from": today, "to": today}).json()

    assert before["requests_per_country"] == [{"country": None, "count": 3}]
    assert after["total_requests"] == before["total_requests"] + 1  # the first dashboard call was logged too
    assert {row["country"]: row["count"] for row in after["requests_per_country"]} == {"US": 2, "GB": 1, None: 1}


@pytest.mark.django_db
def test_the_default_range_is_the_last_seven_days(client_for, manager, add_logs):
    today = timezone.now()
    add_logs([("8.8.8.8", "US", today - timedelta(days=days)) for days in range(10)])

    body = client_for(manager).get(URL).json()

    assert (body["from"], body["to"]) == (
        (today - timedelta(days=6)).date().isoformat(),
        today.date().isoformat(),
    )
    assert body["total_requests"] == 7
    assert len(body["top_ips"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "10/03/2026"}, "from"),
        ({"to": "2026-03-10T00:00:00"}, "to"),
        ({"from": "2026-03-11", "to": "2026-03-10"}, "from"),
        ({"top_n": "0"}, "top_n"),
        ({"top_n": "101"}, "top_n"),
        ({"top_n": "-1"}, "top_n"),
        ({"top_n": "ten"}, "top_n"),
        ({"top_n": "1.5"}, "top_n"),
        ({"top_n": str(10**30)}, "top_n"),
        ({"from": "2026-03-10\x00"}, "from"),
        ({"from": "x" * 10_000}, "from"),
    ],
)
def test_bad_parameters_get_400(client_for, manager, params, field):
    response = client_for(manager).get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def a_year_ahead(days: int = 0) -> str:
    return (dashboard_last_day() + timedelta(days=days)).isoformat()


TOO_EARLY = "Ensure this value is greater than or equal to 2000-01-01."
TOO_LATE = "Ensure this value is less than or equal to {last}."
NOT_A_DATE = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
AFTER_TO = "Must be on or before 'to'."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "errors"),
    [
        pytest.param({"from": "0001-01-01"}, {"from": TOO_EARLY}, id="from-0001-01-01"),
        pytest.param({"to": "0001-01-01"}, {"to": TOO_EARLY}, id="to-0001-01-01"),
        pytest.param({"to": "0001-01-06"}, {"to": TOO_EARLY}, id="to-0001-01-06"),
        pytest.param({"from": "1999-12-31", "to": "2000-01-05"}, {"from": TOO_EARLY}, id="from-a-day-too-early"),
        pytest.param({"to": "9999-12-31"}, {"to": TOO_LATE}, id="to-9999-12-31"),
        pytest.param({"from": "9999-12-31"}, {"from": TOO_LATE}, id="from-9999-12-31"),
        pytest.param(
            {"from": "9999-12-25", "to": "9999-12-31"}, {"from": TOO_LATE, "to": TOO_LATE}, id="both-near-9999"
        ),
        pytest.param({"to": "__next__"}, {"to": TOO_LATE}, id="to-a-day-too-late"),
        pytest.param({"from": "2024-02-30"}, {"from": NOT_A_DATE}, id="from-2024-02-30"),
        pytest.param({"to": "2023-02-29"}, {"to": NOT_A_DATE}, id="to-2023-02-29"),
        pytest.param({"to": "10000-01-01"}, {"to": NOT_A_DATE}, id="to-year-10000"),
        pytest.param({"from": "0000-12-31"}, {"from": NOT_A_DATE}, id="from-year-0"),
        pytest.param({"from": "-0001-01-01"}, {"from": NOT_A_DATE}, id="from-negative-year"),
        pytest.param({"to": "2026-03-10 "}, {"to": NOT_A_DATE}, id="trailing-space"),
        pytest.param({"from": "2026-03-11", "to": "2026-03-10"}, {"from": AFTER_TO}, id="from-after-to"),
        pytest.param({"from": "2000-01-02", "to": "2000-01-01"}, {"from": AFTER_TO}, id="from-after-to-at-the-start"),
    ],
)
def test_dates_out_of_range_or_impossible_are_400(client_for, manager, params, errors):
    params = {name: a_year_ahead(1) if value == "__next__" else value for name, value in params.items()}

    response = client_for(manager).get(URL, params)

    assert response.status_code == 400
    assert response.json() == {field: [message.format(last=a_year_ahead())] for field, message in errors.items()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"from": "2000-01-01", "to": "2000-01-01"},
        {"to": "2000-01-01"},
        {"from": "2000-01-01"},
        {"to": "__last__"},
        {"from": "__last__", "to": "__last__"},
    ],
)
def test_the_first_and_last_allowed_days_are_answered(client_for, manager, params):
    params = {name: a_year_ahead() if value == "__last__" else value for name, value in params.items()}

    response = client_for(manager).get(URL, params)

    assert response.status_code == 200
    assert response.json()["total_requests"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client_as, role):
    status = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 200, "admin": 200}[role]

    assert client_as(role).get(URL).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("top_n", [1, 100])
def test_a_constant_number_of_queries(client_for, manager, seeded, django_assert_max_num_queries, top_n):
    client = client_for(manager)
    # Four reads (countries, top IPs, blacklist and suspicious counts), the blacklist snapshot on a cold
    # cache, and the request's own log entry.
    budget = 4 + 1 + LOGGING_QUERIES
    with django_assert_max_num_queries(budget):
        client.get(URL, {"from": "2026-03-01", "to": "2026-03-31", "top_n": top_n})
