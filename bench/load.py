"""Load generators: wrk (with a generated Lua script) or, when wrk is missing, a multi-process Python one.

Both run outside the server's processes and return a `LoadResult`. `in_turn` asks paths one after the other, in
whole passes, for latencies of paths slow enough that a timed wrk run would reach only the first few. `burst`
fires N requests at the same instant from N threads (the checkout race); `request` is a single blocking call for
setup and probes.
"""

import http.client
import json
import multiprocessing
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.stats import LoadResult, parse_wrk


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)


def request(
    base_url: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body=None,
    timeout: float = 60,
    headers: dict[str, str] | None = None,
) -> Response:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=_encode(body), headers={**_headers(token, body), **(headers or {})})
        response = connection.getresponse()
        return Response(response.status, response.read(), dict(response.getheaders()))
    finally:
        connection.close()


def _encode(body) -> bytes | None:
    return None if body is None else json.dumps(body).encode()


def _headers(token: str | None, body) -> dict:
    headers = {"Host": "127.0.0.1", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def wrk_script(
    paths: list[str], token: str | None = None, headers: dict[str, str] | None = None, count_statuses: bool = False
) -> str:
    """A wrk script cycling through `paths`, with a bearer token and other `headers` when given. With
    `count_statuses` it prints `status <code>: <count>` lines at the end (a response callback slows wrk down,
    so only the runs that need the counts ask for them)."""
    lines = ["local paths = {" + ", ".join(_lua_string(path) for path in paths) + "}"]
    lines.append("local headers = {}")
    if token:
        lines.append(f'headers["Authorization"] = {_lua_string("Bearer " + token)}')
    for name, value in (headers or {}).items():
        lines.append(f"headers[ {_lua_string(name)} ] = {_lua_string(value)}")
    lines += [
        "local index = 0",
        "request = function()",
        "  index = index % #paths + 1",
        '  return wrk.format("GET", paths[index], headers)',
        "end",
    ]
    if count_statuses:
        lines += [
            "local threads = {}",
            "setup = function(thread) table.insert(threads, thread) end",
            "counts = {}",
            "response = function(status) counts[status] = (counts[status] or 0) + 1 end",
            "done = function()",
            "  local total = {}",
            "  for _, thread in ipairs(threads) do",
            '    for status, count in pairs(thread:get("counts")) do total[status] = (total[status] or 0) + count end',
            "  end",
            '  for status, count in pairs(total) do io.write(string.format("status %d: %d\\n", status, count)) end',
            "end",
        ]
    return "\n".join(lines) + "\n"


class LoadGenerator:
    """Drives GET load at one server for a fixed time, with a fixed number of connections."""

    def __init__(self, wrk: str | None, threads: int = 2):
        self.wrk = wrk
        self.threads = threads

    @property
    def description(self) -> str:
        if self.wrk:
            return f"wrk ({self.wrk})"
        return "Python multi-process load generator (wrk not found: install it with `apt-get install wrk`)"

    def run(
        self,
        base_url: str,
        paths: list[str],
        *,
        connections: int,
        seconds: float,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        count_statuses: bool = False,
    ) -> LoadResult:
        if self.wrk:
            script = wrk_script(paths, token, headers, count_statuses)
            return self._run_wrk(base_url, script, connections, seconds)
        return run_python_load(base_url, paths, connections=connections, seconds=seconds, token=token, headers=headers)

    def _run_wrk(self, base_url, script_text, connections, seconds) -> LoadResult:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="duka-bench-", delete=False) as script:
            script.write(script_text)
        try:
            command = [
                self.wrk,
                f"-t{min(self.threads, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                base_url,
            ]
            completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
        finally:
            Path(script.name).unlink(missing_ok=True)
        if completed.returncode != 0:
            raise RuntimeError(f"wrk failed: {completed.stderr.strip()}")
        return parse_wrk(completed.stdout)


def _python_worker(base_url, paths, seconds, token, extra_headers, offset, results) -> None:
    parts = urlsplit(base_url)
    headers = {**_headers(token, None), **(extra_headers or {})}
    latencies, non_2xx, errors, statuses = [], 0, 0, Counter()
    index = offset
    connection = None
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        path = paths[index % len(paths)]
        index += 1
        started = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.will_close:
                connection.close()
                connection = None
        except OSError:
            errors += 1
            connection = None
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        non_2xx += not 200 <= response.status < 400
        statuses[response.status] += 1
    results.put((latencies, non_2xx, errors, dict(statuses)))


def run_python_load(
    base_url: str,
    paths: list[str],
    *,
    connections: int,
    seconds: float,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """One process per connection, each issuing requests back to back until the time is up."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=_python_worker, args=(base_url, paths, seconds, token, headers, offset, results))
        for offset in range(connections)
    ]
    for worker in workers:
        worker.start()
    collected = [results.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    latencies = [value for chunk, _, _, _ in collected for value in chunk]
    statuses = Counter()
    for _, _, _, counts in collected:
        statuses.update(counts)
    return LoadResult.from_latencies(
        latencies,
        seconds,
        non_2xx=sum(non_2xx for _, non_2xx, _, _ in collected),
        socket_errors=sum(errors for _, _, errors, _ in collected),
        statuses=dict(statuses),
    )


def in_turn(base_url: str, paths: list[str], *, seconds: float, passes: int = 2) -> LoadResult:
    """`paths` asked one after the other on one keep-alive connection, in whole passes until `seconds` are up
    (`passes` at least): every path weighs alike in the percentiles, however much slower than the others it is."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    latencies, non_2xx, errors, done = [], 0, 0, 0
    started = time.perf_counter()
    try:
        while done < passes or time.perf_counter() - started < seconds:
            for path in paths:
                asked = time.perf_counter()
                try:
                    connection.request("GET", path, headers=_headers(None, None))
                    response = connection.getresponse()
                    response.read()
                except OSError:
                    errors += 1
                    connection.close()
                    continue
                latencies.append((time.perf_counter() - asked) * 1000)
                non_2xx += not 200 <= response.status < 400
            done += 1
    finally:
        connection.close()
    return LoadResult.from_latencies(latencies, time.perf_counter() - started, non_2xx=non_2xx, socket_errors=errors)


@dataclass
class BurstResult:
    statuses: list[int]
    seconds: float
    # Each request's time from the release to its answer, in seconds.
    latencies: list[float]


def burst(
    base_url: str | list[str], method: str, path: str, tokens: list[str], bodies: list | None = None
) -> BurstResult:
    """One request per token (`bodies[i]` as its JSON body), all released at one instant from connected threads.
    With a list of servers, the requests are dealt to them in turn."""
    servers = [urlsplit(url) for url in ([base_url] if isinstance(base_url, str) else base_url)]
    statuses: list[int] = [0] * len(tokens)
    gate = threading.Barrier(len(tokens) + 1)
    finished: list[float] = [0.0] * len(tokens)

    def fire(slot: int, token: str) -> None:
        parts = servers[slot % len(servers)]
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        try:
            connection.connect()
        except OSError:
            connection = None
        gate.wait()
        try:
            if connection is None:
                raise ConnectionError
            body = bodies[slot] if bodies else None
            connection.request(method, path, body=_encode(body), headers=_headers(token, body))
            response = connection.getresponse()
            response.read()
            statuses[slot] = response.status
        except OSError:
            statuses[slot] = -1
        finally:
            finished[slot] = time.perf_counter()
            if connection is not None:
                connection.close()

    threads = [threading.Thread(target=fire, args=(slot, token)) for slot, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return BurstResult(statuses, max(finished) - started, [moment - started for moment in finished])
