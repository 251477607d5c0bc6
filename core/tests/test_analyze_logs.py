from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.analysis import suspicious_ips_analyze
from core.models import BlacklistedIP, SuspiciousIP
from core.tasks import analyze_logs

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture(autouse=True)
def low_thresholds(settings):
    settings.SECURITY_ANALYZE = {
        "WINDOW_MINUTES": 10,
        "MAX_REQUESTS": 20,
        "MAX_ERRORS": 5,
        "MAX_FAILED_LOGINS": 3,
        "MAX_FAILED_VOUCHERS": 4,
        "AUTO_BLACKLIST": False,
        "BLACKLIST_REQUESTS": 40,
        "BLACKLIST_ERRORS": 10,
        "BLACKLIST_FAILED_LOGINS": 6,
        "AUTO_BLACKLIST_MINUTES": 30,
    }


def minutes_ago(n: float):
    return NOW - timedelta(minutes=n)


@pytest.fixture
def traffic(add_logs):
    # rate: 20 requests in the window; errors: 5 x 404; logins: 3 failed logins; calm: below every threshold;
    # stale: a burst, but before the window.
    add_logs([("198.51.100.1", "US", minutes_ago(i / 4)) for i in range(20)])
    add_logs([("198.51.100.2", "GB", minutes_ago(i)) for i in range(5)], path="/nope/", status=404)
    add_logs(
        [("198.51.100.3", "DE", minutes_ago(i)) for i in range(3)], method="POST", path="/api/auth/token/", status=401
    )
    add_logs([("198.51.100.4", "DE", minutes_ago(i)) for i in range(19)])
    add_logs([("198.51.100.4", "DE", minutes_ago(1))], status=404)
    add_logs([("198.51.100.5", "AU", minutes_ago(11 + i / 10)) for i in range(30)], status=403)


@pytest.mark.django_db
def test_flags_request_rate_error_bursts_and_failed_logins(traffic):
    result = suspicious_ips_analyze(now=NOW)

    assert result == {"flagged": 3, "blacklisted": 0}
    rows = {row.ip: row for row in SuspiciousIP.objects.all()}
    assert sorted(rows) == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    assert (rows["198.51.100.1"].request_count, rows["198.51.100.1"].reason) == (20, "20 requests within 10 min")
    assert (rows["198.51.100.2"].error_count, rows["198.51.100.2"].reason) == (
        5,
        "5 401/403/404 responses within 10 min",
    )
    assert rows["198.51.100.3"].failed_login_count == 3
    assert rows["198.51.100.3"].first_seen == minutes_ago(2) and rows["198.51.100.3"].last_seen == NOW
    assert not BlacklistedIP.objects.exists()


@pytest.mark.django_db
def test_running_twice_changes_nothing(traffic):
    suspicious_ips_analyze(now=NOW)
    before = list(SuspiciousIP.objects.order_by("ip").values())

    suspicious_ips_analyze(now=NOW)

    assert list(SuspiciousIP.objects.order_by("ip").values()) == before


@pytest.mark.django_db
def test_new_activity_after_resolving_flags_the_ip_again(traffic, add_logs):
    suspicious_ips_analyze(now=NOW)
    SuspiciousIP.objects.update(resolved=True)
    later = NOW + timedelta(minutes=1)
    add_logs([("198.51.100.2", "GB", later)], status=404)

    suspicious_ips_analyze(now=later)

    assert list(SuspiciousIP.objects.filter(resolved=False).values_list("ip", "error_count")) == [("198.51.100.2", 6)]


@pytest.mark.django_db
def test_auto_blacklist_above_the_higher_threshold_with_an_expiry(settings, add_logs):
    settings.SECURITY_ANALYZE = {**settings.SECURITY_ANALYZE, "AUTO_BLACKLIST": True}
    add_logs([("198.51.100.7", "US", minutes_ago(i / 10)) for i in range(10)], status=403)
    add_logs([("198.51.100.8", "US", minutes_ago(i / 10)) for i in range(9)], status=403)

    result = suspicious_ips_analyze(now=NOW)
    again = suspicious_ips_analyze(now=NOW)

    assert (result, again) == ({"flagged": 2, "blacklisted": 1}, {"flagged": 2, "blacklisted": 0})
    listed = BlacklistedIP.objects.get()
    assert (listed.ip, listed.expires_at) == ("198.51.100.7", NOW + timedelta(minutes=30))
    assert listed.reason.startswith("Automatic: ")


@pytest.mark.django_db
def test_auto_blacklist_replaces_an_expired_entry(settings, add_logs):
    settings.SECURITY_ANALYZE = {**settings.SECURITY_ANALYZE, "AUTO_BLACKLIST": True}
    BlacklistedIP.objects.create(ip="198.51.100.7", expires_at=NOW - timedelta(days=1))
    add_logs([("198.51.100.7", "US", minutes_ago(i / 10)) for i in range(10)], status=403)

    assert suspicious_ips_analyze(now=NOW)["blacklisted"] == 1
    assert BlacklistedIP.objects.get().expires_at == NOW + timedelta(minutes=30)


@pytest.mark.django_db
def test_auto_blacklist_skips_loopback_unspecified_and_proxy_addresses(settings, add_logs, caplog):
    settings.SECURITY_ANALYZE = {**settings.SECURITY_ANALYZE, "AUTO_BLACKLIST": True}
    settings.TRUSTED_PROXY_NETWORKS = ["10.1.0.0/16"]
    unblockable = ["127.0.0.1", "::1", "0.0.0.0", "10.1.2.3"]
    for ip in [*unblockable, "198.51.100.7"]:
        add_logs([(ip, "", minutes_ago(i / 10)) for i in range(10)], status=403)

    result = suspicious_ips_analyze(now=NOW)

    assert result == {"flagged": 5, "blacklisted": 1}
    assert list(BlacklistedIP.objects.values_list("ip", flat=True)) == ["198.51.100.7"]
    assert set(SuspiciousIP.objects.values_list("ip", flat=True)) == {*unblockable, "198.51.100.7"}
    skipped = [record.getMessage() for record in caplog.records if "automatically" in record.getMessage()]
    assert sorted(message.split(" automatically")[0] for message in skipped) == sorted(
        f"Not blacklisting {ip}" for ip in unblockable
    )


@pytest.mark.django_db
def test_the_command_and_the_task_run_the_same_analysis(capsys, add_logs):
    add_logs([("198.51.100.2", "GB", timezone.now() - timedelta(seconds=i)) for i in range(5)], status=401)

    call_command("analyze_logs")
    assert "Flagged 1 IP(s), blacklisted 0." in capsys.readouterr().out
    assert analyze_logs.apply().get() == {"flagged": 1, "blacklisted": 0}
    assert SuspiciousIP.objects.count() == 1


@pytest.mark.django_db
def test_flags_an_ip_guessing_voucher_codes(add_logs):
    add_logs(
        [("198.51.100.6", "KE", minutes_ago(i)) for i in range(3)], method="POST", path="/api/cart/voucher/", status=400
    )
    add_logs([("198.51.100.6", "KE", minutes_ago(4))], method="POST", path="/api/cart/voucher/", status=429)
    add_logs([("198.51.100.7", "KE", minutes_ago(i)) for i in range(4)], method="POST", path="/api/cart/voucher/")

    assert suspicious_ips_analyze(now=NOW) == {"flagged": 1, "blacklisted": 0}
    flagged = SuspiciousIP.objects.get()
    assert (flagged.ip, flagged.reason) == ("198.51.100.6", "4 refused voucher codes within 10 min")
