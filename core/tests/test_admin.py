from datetime import UTC, datetime, timedelta

import pytest

from core.models import BlacklistedIP, RequestLog, SuspiciousIP
from core.tests.factories import BlacklistedIPFactory, SuspiciousIPFactory


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_security_page_draws_charts_from_the_daily_counts(admin_client, add_logs):
    day = datetime(2026, 3, 10, 12, tzinfo=UTC)
    add_logs([("8.8.8.8", "US", day)] * 3 + [("81.2.69.142", "GB", day + timedelta(days=1))])

    response = admin_client.get("/admin/core/requestlog/security/", {"from": "2026-03-10", "to": "2026-03-11"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('fill="#417690"') == 2  # one bar per day
    assert html.count('class="bar-row"') == 2 + 2  # two countries, two IPs
    assert "2026-03-10: 3" in html and "2026-03-11: 1" in html
    assert "8.8.8.8" in html and "81.2.69.142" in html
    assert "http://" not in html.split("<body", 1)[1].split("</body>")[0].replace("http://www.w3.org", "")
    assert response.context["dashboard"]["total_requests"] == 4


@pytest.mark.django_db
def test_security_page_defaults_to_the_last_30_days(admin_client, add_logs):
    now = datetime.now(UTC)
    add_logs([("8.8.8.8", "US", now - timedelta(days=days)) for days in (0, 29, 30)])

    response = admin_client.get("/admin/core/requestlog/security/")

    assert response.status_code == 200
    assert (response.context["day_from"], response.context["day_to"]) == ((now - timedelta(days=29)).date(), now.date())
    assert response.context["dashboard"]["total_requests"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "error"),
    [
        pytest.param({"from": "0001-01-01"}, "greater than or equal to 2000-01-01", id="from-0001-01-01"),
        pytest.param({"to": "0001-01-01"}, "greater than or equal to 2000-01-01", id="to-0001-01-01"),
        pytest.param({"to": "0001-01-29"}, "greater than or equal to 2000-01-01", id="to-0001-01-29"),
        pytest.param({"to": "9999-12-31"}, "less than or equal to", id="to-9999-12-31"),
        pytest.param({"from": "9999-12-31", "to": "9999-12-31"}, "less than or equal to", id="both-9999-12-31"),
        pytest.param({"from": "2024-02-30"}, "Enter a valid date.", id="from-2024-02-30"),
        pytest.param({"to": "2023-02-29"}, "Enter a valid date.", id="to-2023-02-29"),
        pytest.param({"from": "garbage"}, "Enter a valid date.", id="garbage"),
        pytest.param({"to": "x" * 5000}, "Enter a valid date.", id="5000-chars"),
        pytest.param({"to": "10000-01-01"}, "Enter a valid date.", id="year-10000"),
        pytest.param(
            {"from": "2026-03-12", "to": "2026-03-10"}, "Must be on or before &#x27;to&#x27;.", id="from-after-to"
        ),
    ],
)
def test_security_page_rejects_bad_dates_with_a_form_error(admin_client, add_logs, params, error):
    add_logs([("8.8.8.8", "US", datetime(2026, 3, 10, 12, tzinfo=UTC))])

    response = admin_client.get("/admin/core/requestlog/security/", params)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errorlist' in html and error in html
    assert "dashboard" not in response.context
    assert 'class="security-totals"' not in html and "8.8.8.8" not in html


@pytest.mark.django_db
def test_security_page_needs_staff(client, customer):
    client.force_login(customer)

    assert client.get("/admin/core/requestlog/security/").status_code == 302


@pytest.mark.django_db
def test_request_logs_are_read_only(admin_client, add_logs):
    add_logs([("8.8.8.8", "US", datetime(2026, 3, 10, tzinfo=UTC))])
    log = RequestLog.objects.get()

    assert admin_client.get("/admin/core/requestlog/", {"q": "8.8.8.8"}).status_code == 200
    assert admin_client.get("/admin/core/requestlog/add/").status_code == 403
    assert admin_client.post(f"/admin/core/requestlog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RequestLog.objects.filter(pk=log.pk).exists()


@pytest.mark.django_db
def test_suspicious_actions_blacklist_and_resolve(admin_client, django_capture_on_commit_callbacks):
    now = datetime.now(UTC)
    first = SuspiciousIPFactory(ip="203.0.113.1", first_seen=now)
    second = SuspiciousIPFactory(ip="203.0.113.2", first_seen=now)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/core/suspiciousip/", {"action": "blacklist_selected", "_selected_action": [first.pk]})
    admin_client.post("/admin/core/suspiciousip/", {"action": "resolve_selected", "_selected_action": [second.pk]})

    assert list(BlacklistedIP.objects.values_list("ip", flat=True)) == ["203.0.113.1"]
    assert set(SuspiciousIP.objects.values_list("resolved", flat=True)) == {True}


@pytest.mark.django_db
def test_unblock_action(admin_client, client, django_capture_on_commit_callbacks):
    entry = BlacklistedIPFactory(ip="203.0.113.1")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/core/blacklistedip/", {"action": "unblock", "_selected_action": [entry.pk]})

    assert not BlacklistedIP.objects.exists()


@pytest.mark.django_db
def test_adding_in_the_admin_blocks_at_once(admin_client, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/core/blacklistedip/add/", {"ip": "203.0.113.5", "reason": "manual"})

    assert response.status_code == 302
    assert BlacklistedIP.objects.get().created_by == admin_user
    assert admin_client.get("/api/products/", REMOTE_ADDR="203.0.113.5").status_code == 403
