"""Pure helpers of the benchmark: medians, ratios, percentiles, wrk and gunicorn output parsing and figure lines."""

import math
import re
import statistics
from dataclasses import dataclass, field

_LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (fraction in 0..1) of unsorted values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(fraction * len(ordered) - 1e-9)
    return ordered[min(max(rank, 1), len(ordered)) - 1]


@dataclass
class LoadResult:
    """One load-generator run against one URL."""

    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    non_2xx: int = 0
    socket_errors: int = 0
    # Responses by status, when the run was asked to count them.
    statuses: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_latencies(cls, latencies_ms: list[float], seconds: float, **counts) -> "LoadResult":
        """A run measured by the Python generators: every answered request's latency, over `seconds`."""
        return cls(
            requests=len(latencies_ms),
            seconds=seconds,
            requests_per_second=len(latencies_ms) / seconds,
            p50_ms=percentile(latencies_ms, 0.50),
            p99_ms=percentile(latencies_ms, 0.99),
            **counts,
        )


def _latency_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unreadable latency {text!r}")
    return float(match.group(1)) * _LATENCY_UNITS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """Read the summary `wrk --latency` prints."""
    totals = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not totals or not rate:
        raise ValueError("wrk printed no summary:\n" + output)
    seconds = float(totals.group(2)) * _LATENCY_UNITS[totals.group(3)] / 1000.0
    latencies = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, flags=re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return LoadResult(
        requests=int(totals.group(1)),
        seconds=seconds,
        requests_per_second=float(rate.group(1)),
        p50_ms=_latency_ms(latencies["50"]) if "50" in latencies else None,
        p99_ms=_latency_ms(latencies["99"]) if "99" in latencies else None,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        statuses={int(status): int(count) for status, count in re.findall(r"^status (\d+): (\d+)$", output, re.M)},
    )


def worker_recycles(gunicorn_log: str) -> int:
    """How many workers gunicorn's log (at level info) says reached `max_requests` and were replaced."""
    return gunicorn_log.count("Autorestarting worker after current request.")


def number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def figure_line(
    name: str,
    value: str,
    target: str,
    met: bool | None,
    raw: str = "",
) -> str:
    """One printed figure: name, measured value, target, verdict and the raw numbers behind it."""
    verdict = "-" if met is None else ("met" if met else "MISSED")
    line = f"{name:<46} {value:>18}   target {target:<12} {verdict:<6}"
    return f"{line}  [{raw}]" if raw else line.rstrip()


def not_available(name: str, reason: str) -> str:
    return f"{name:<46} n/a: {reason}"
