import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from core.models import BlacklistedIP, RequestLog, RequestLogDaily, SuspiciousIP


def rollup_matches_logs() -> bool:
    from_logs = {
        (row["day"], row["ip"], row["country"]): row["n"]
        for row in RequestLog.objects.annotate(day=TruncDate("timestamp"))
        .values("day", "ip", "country")
        .annotate(n=Count("id"))
    }
    from_rollup = {(row.day, row.ip, row.country): row.request_count for row in RequestLogDaily.objects.all()}
    return from_logs == from_rollup


@pytest.mark.django_db
def test_default_seed(capsys):
    call_command("seed_core", "--seed", "3")

    assert RequestLog.objects.count() == 100
    assert RequestLog.objects.values("ip").distinct().count() == 7
    assert set(RequestLog.objects.values_list("country", flat=True)) == {"US", "AU", "GB", "DE", "BR"}
    days = RequestLog.objects.annotate(day=TruncDate("timestamp")).values("day").distinct().count()
    assert 7 <= days <= 8
    assert list(BlacklistedIP.objects.values_list("ip", flat=True)) == ["46.4.0.1"]
    assert list(SuspiciousIP.objects.values_list("ip", flat=True)) == ["200.160.2.3"]
    assert rollup_matches_logs()
    assert "Added 100 request logs from 7 IPs in 5 countries" in capsys.readouterr().out


@pytest.mark.django_db
def test_rerunning_adds_logs_but_no_duplicate_security_entries():
    call_command("seed_core", "--logs", "10")
    call_command("seed_core", "--logs", "10")

    assert RequestLog.objects.count() == 20
    assert (BlacklistedIP.objects.count(), SuspiciousIP.objects.count()) == (1, 1)
    assert RequestLogDaily.objects.aggregate(total=Sum("request_count"))["total"] == 20


@pytest.mark.django_db
def test_many_logs_in_batches_with_progress_and_more_ips(capsys, monkeypatch):
    monkeypatch.setattr("core.management.commands.seed_core.BATCH_SIZE", 1000)

    call_command("seed_core", "--logs", "2500", "--ips", "40", "--days", "30")

    assert RequestLog.objects.count() == 2500
    assert RequestLog.objects.values("ip").distinct().count() == 40
    assert rollup_matches_logs()
    out = capsys.readouterr().out
    assert "1,000/2,500" in out and "2,500/2,500" in out


@pytest.mark.django_db
@pytest.mark.parametrize("args", [["--logs", "-1"], ["--ips", "0"], ["--days", "0"]])
def test_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("seed_core", *args)
    assert not RequestLog.objects.exists()
