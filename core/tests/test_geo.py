import pytest
import requests

from core import geo
from core.geo import countries_resolve
from core.models import RequestLog
from core.request_logs import request_logs_drain
from core.tests.conftest import requires_redis


class FakeResponse:
    def __init__(self, status_code: int, body):
        self.status_code = status_code
        self._body = body

    def raise_for_status(self):
        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code}")

    def json(self):
        return self._body


@pytest.fixture
def ipinfo_api(settings, monkeypatch):
    """ipinfo's HTTP boundary: records each batch call and answers with `answer(ips)`."""
    settings.IPINFO_TOKEN = "test-token"
    geo._handler.cache_clear()
    calls: list[list[str]] = []
    state = {"answer": lambda ips: {ip: {"ip": ip, "country": "SE"} for ip in ips}}

    def post(url, json=None, headers=None, timeout=None, **kwargs):
        calls.append(list(json))
        assert url.endswith("/batch") and timeout == settings.IPINFO_TIMEOUT_SECONDS
        result = state["answer"](json)
        if isinstance(result, Exception):
            raise result
        return result if isinstance(result, FakeResponse) else FakeResponse(200, result)

    monkeypatch.setattr("ipinfo.handler.requests.post", post)
    yield calls, state
    geo._handler.cache_clear()


def test_without_a_token_the_offline_database_answers(settings):
    settings.IPINFO_TOKEN = ""

    assert countries_resolve(["8.8.8.8", "81.2.69.142", "10.0.0.1", "127.0.0.1", "::1"]) == {
        "8.8.8.8": "US",
        "81.2.69.142": "GB",
        "10.0.0.1": "",
        "127.0.0.1": "",
        "::1": "",
    }


def test_ipinfo_is_asked_once_per_batch_for_public_ips_only_and_results_are_cached(ipinfo_api):
    calls, _ = ipinfo_api

    first = countries_resolve(["8.8.8.8", "81.2.69.142", "8.8.8.8", "192.168.1.1"])
    second = countries_resolve(["8.8.8.8"])

    assert first == {"8.8.8.8": "SE", "81.2.69.142": "SE", "192.168.1.1": ""}
    assert second == {"8.8.8.8": "SE"}
    assert calls == [["8.8.8.8", "81.2.69.142"]]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda ips: requests.Timeout("slow"), id="timeout"),
        pytest.param(lambda ips: requests.ConnectionError("down"), id="unreachable"),
        pytest.param(lambda ips: FakeResponse(500, {}), id="server-error"),
        pytest.param(lambda ips: FakeResponse(429, {}), id="quota"),
        pytest.param(lambda ips: {ip: {"country": "United States"} for ip in ips}, id="not-a-code"),
        pytest.param(lambda ips: {ip: {"country": "u$"} for ip in ips}, id="junk-code"),
        pytest.param(lambda ips: {ip: {"country": 42} for ip in ips}, id="number"),
        pytest.param(lambda ips: {ip: "nonsense" for ip in ips}, id="not-an-object"),
        pytest.param(lambda ips: {}, id="empty"),
    ],
)
def test_a_failing_or_junk_answer_falls_back_to_the_offline_database(ipinfo_api, answer):
    _, state = ipinfo_api
    state["answer"] = answer

    assert countries_resolve(["8.8.8.8", "81.2.69.142"]) == {"8.8.8.8": "US", "81.2.69.142": "GB"}


def test_a_lower_case_code_is_normalised(ipinfo_api):
    _, state = ipinfo_api
    state["answer"] = lambda ips: {ip: {"country": "de"} for ip in ips}

    assert countries_resolve(["8.8.8.8"]) == {"8.8.8.8": "DE"}


@pytest.mark.django_db
def test_a_geo_failure_never_loses_the_log_entry(api_client, ipinfo_api, monkeypatch):
    _, state = ipinfo_api
    state["answer"] = lambda ips: requests.Timeout("slow")

    def broken_database():
        raise OSError("geo database unreadable")

    monkeypatch.setattr("core.geo._offline_database", broken_database)

    api_client.get("/api/products/", REMOTE_ADDR="8.8.8.8")
    request_logs_drain()

    assert list(RequestLog.objects.values_list("ip", "country", "country_pending")) == [("8.8.8.8", "", False)]


@requires_redis
@pytest.mark.django_db
def test_the_drain_resolves_a_whole_batch_in_one_lookup(api_client, ipinfo_api):
    calls, _ = ipinfo_api
    for ip in ["8.8.8.8", "1.1.1.1", "8.8.8.8", "10.0.0.1"]:
        api_client.get("/api/products/", REMOTE_ADDR=ip)

    assert request_logs_drain() == 4

    assert calls == [["1.1.1.1", "8.8.8.8"]]
    assert sorted(RequestLog.objects.values_list("ip", "country")) == [
        ("1.1.1.1", "SE"),
        ("10.0.0.1", ""),
        ("8.8.8.8", "SE"),
        ("8.8.8.8", "SE"),
    ]
