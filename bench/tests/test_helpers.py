import datetime
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from bench.load import in_turn, wrk_script
from bench.run import Bench, _env_sizes
from bench.stats import figure_line, median, not_available, parse_wrk, percentile, ratio, worker_recycles

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:40123
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.95ms    3.10ms  48.20ms   81.22%
    Req/Sec   310.52     25.11   370.00     70.00%
  Latency Distribution
     50%   12.41ms
     75%   14.02ms
     90%   16.77ms
     99%    1.02s
  3105 requests in 5.01s, 4.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:    619.76
Transfer/sec:    842.33KB
"""


def test_median_and_ratio():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert median([]) is None
    assert ratio(6.0, 10.0) == 0.6
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 2.0) is None


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.5, 50), (0.99, 99), (1.0, 100), (0.0, 1), (0.011, 2)],
    ids=["p50", "p99", "max", "min", "rounds-up"],
)
def test_percentile_is_nearest_rank(fraction, expected):
    values = list(range(100, 0, -1))

    assert percentile(values, fraction) == expected


def test_percentile_of_nothing_is_none():
    assert percentile([], 0.5) is None


def test_parse_wrk_reads_rate_latencies_and_errors():
    result = parse_wrk(WRK_OUTPUT)

    assert result.requests == 3105
    assert result.seconds == pytest.approx(5.01)
    assert result.requests_per_second == 619.76
    assert result.p50_ms == pytest.approx(12.41)
    assert result.p99_ms == pytest.approx(1020.0)
    assert result.non_2xx == 7
    assert result.socket_errors == 3


def test_parse_wrk_converts_microseconds_and_tolerates_a_clean_run():
    output = WRK_OUTPUT.replace("12.41ms", "850.00us").replace(
        "  Socket errors: connect 0, read 2, write 0, timeout 1\n", ""
    )
    output = output.replace("  Non-2xx or 3xx responses: 7\n", "")

    result = parse_wrk(output)

    assert result.p50_ms == pytest.approx(0.85)
    assert (result.non_2xx, result.socket_errors) == (0, 0)


def test_parse_wrk_rejects_output_without_a_summary():
    with pytest.raises(ValueError, match="no summary"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_figure_line_shows_name_value_target_verdict_and_raw_numbers():
    line = figure_line("catalog list", "0.72x baseline", ">= 0.60x", True, "api 720.0 req/s | baseline 1,000.0 req/s")

    assert line.startswith("catalog list ")
    assert "0.72x baseline" in line
    assert "target >= 0.60x" in line
    assert " met " in line
    assert line.endswith("[api 720.0 req/s | baseline 1,000.0 req/s]")
    assert "MISSED" in figure_line("dashboard", "4.00x", "<= 3.00x", False)
    assert not_available("dashboard", "404").endswith("n/a: 404")


def test_wrk_script_cycles_paths_with_a_bearer_token():
    script = wrk_script(["/api/products/a/", "/api/products/b/"], token="abc.def")

    assert "local paths = {[==[/api/products/a/]==], [==[/api/products/b/]==]}" in script
    assert 'headers["Authorization"] = [==[Bearer abc.def]==]' in script
    assert "request = function()" in script
    assert "Authorization" not in wrk_script(["/"])


def test_dashboard_paths_are_distinct_and_cover_the_same_days():
    today = datetime.date(2026, 3, 15)

    first, second = Bench._dashboard_paths(today, 0, 300), Bench._dashboard_paths(today, 1, 300)

    assert len(set(first + second)) == 600
    assert all("to=2026-03-15" in path for path in first + second)
    assert first[0] == "/api/security/dashboard/?from=2026-03-08&to=2026-03-15&top_n=1"


def test_side_by_side_rotates_which_side_runs_first_each_round():
    calls = []

    def side(label):
        def run():
            calls.append(label)
            return f"{label}{len(calls)}"

        return run

    bench = SimpleNamespace(config=SimpleNamespace(rounds=3))

    results = Bench.side_by_side(bench, side("a"), side("b"), side("c"))

    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert results == (["a1", "a6", "a8"], ["b2", "b4", "b9"], ["c3", "c5", "c7"])
    calls.clear()
    assert Bench.side_by_side(SimpleNamespace(config=SimpleNamespace(rounds=2)), side("a"), side("b"))
    assert calls == ["a", "b", "b", "a"]


def test_wrk_script_sends_extra_headers_and_counts_statuses_when_asked():
    script = wrk_script(["/api/products/a/"], headers={"If-None-Match": '"abc"'}, count_statuses=True)

    assert 'headers[ [==[If-None-Match]==] ] = [==["abc"]==]' in script
    assert "response = function(status)" in script
    assert 'thread:get("counts")' in script
    assert "response = function" not in wrk_script(["/"])


def test_parse_wrk_reads_the_counted_statuses():
    output = WRK_OUTPUT + "status 304: 1200\nstatus 200: 3\n"

    assert parse_wrk(output).statuses == {304: 1200, 200: 3}
    assert parse_wrk(WRK_OUTPUT).statuses == {}


def test_worker_recycles_counts_the_workers_that_reached_max_requests():
    log = """[2026-12-07 00:10:00 +0000] [100] [INFO] Booting worker with pid: 101
[2026-12-07 00:10:00 +0000] [100] [INFO] Booting worker with pid: 102
[2026-12-07 00:10:04 +0000] [101] [INFO] Autorestarting worker after current request.
[2026-12-07 00:10:04 +0000] [101] [INFO] Worker exiting (pid: 101)
[2026-12-07 00:10:04 +0000] [100] [INFO] Booting worker with pid: 103
[2026-12-07 00:10:05 +0000] [102] [INFO] Autorestarting worker after current request.
"""

    assert worker_recycles(log) == 2
    assert worker_recycles("") == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10000,100000,1000000", (10_000, 100_000, 1_000_000)),
        (" 100_000 , 10_000,", (10_000, 100_000)),
        ("", (1, 8, 32)),
    ],
    ids=["plain", "underscores-spaces-unsorted", "unset-takes-default"],
)
def test_env_sizes_reads_a_comma_list_smallest_first(monkeypatch, value, expected):
    monkeypatch.setenv("BENCH_GROWTH_SIZES", value)

    assert _env_sizes("BENCH_GROWTH_SIZES", "32,1,8") == expected


class _Answers(BaseHTTPRequestHandler):
    """200 for /found, 404 for anything else, and the paths asked, in order."""

    protocol_version = "HTTP/1.1"
    asked: list[str] = []

    def do_GET(self):
        self.asked.append(self.path)
        self.send_response(200 if self.path == "/found" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def answering_server():
    _Answers.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_in_turn_asks_every_path_alike_in_whole_passes(answering_server):
    result = in_turn(answering_server, ["/found", "/missing", "/found"], seconds=0, passes=3)

    assert _Answers.asked == ["/found", "/missing", "/found"] * 3
    assert result.requests == 9
    assert result.non_2xx == 3
    assert result.socket_errors == 0
    assert result.p50_ms is not None and result.p50_ms <= result.p99_ms
