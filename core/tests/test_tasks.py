import pytest

from core.models import RequestLog
from core.tasks import analyze_logs, drain_request_logs


def test_task_names_are_stable_for_the_beat_schedule():
    assert drain_request_logs.name == "core.tasks.drain_request_logs"
    assert analyze_logs.name == "core.tasks.analyze_logs"


@pytest.mark.django_db
def test_the_drain_task_is_safe_to_run_again(api_client):
    api_client.get("/api/products/", REMOTE_ADDR="8.8.8.8")

    drain_request_logs.apply()
    drain_request_logs.apply()

    assert list(RequestLog.objects.values_list("ip", "country")) == [("8.8.8.8", "US")]
