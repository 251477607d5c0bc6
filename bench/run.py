"""`make bench`: every target of SPEC section 7, measured against gunicorn + PostgreSQL + Redis on loopback.

Prints one line per figure (name, value, target, verdict, raw numbers). Ratios come from the two sides
measured alternately in one run (A B, B A, ...), as medians over the rounds. A figure whose endpoint or
command does not exist prints `n/a: <reason>` instead. Sizes and durations come from BENCH_* variables;
BENCH_QUICK=1 is a smoke run with small sizes.
"""

import datetime
import itertools
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.load import LoadGenerator, burst, in_turn, request
from bench.stack import (
    ROOT,
    CommandMissing,
    CommandTimedOut,
    Environment,
    Gunicorn,
    Postgres,
    command_exists,
    interrupt_on_sigterm,
    manage,
    redis_url,
    wrk_path,
)
from bench.stats import LoadResult, figure_line, median, not_available, number, ratio, worker_recycles

SECTIONS = ("catalog", "facets", "logging", "checkout", "seed", "dashboard", "growth")
FACETS_TARGET_MS = 50
TAIL_TARGET = 5.0
# The growth section's request logs come from one client IP per this many requests (over seed_core's 7 days): the
# dashboard reads a daily rollup per IP, so its rows grow with the clients, not with the requests.
LOGS_PER_CLIENT = 100
# Checkouts per buyer count at least, so the p50 of one buyer rests on more than a few.
GROWTH_CHECKOUTS = 64


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def _env_sizes(name: str, default: str) -> tuple[int, ...]:
    """A comma list of whole numbers (`10000,100_000`), smallest first."""
    return tuple(sorted(int(part) for part in (os.environ.get(name) or default).split(",") if part.strip()))


@dataclass
class Config:
    quick: bool
    rounds: int
    seconds: float
    connections: int
    tail_seconds: float
    tail_max_requests: int
    catalog_products: int
    facet_products: int
    seed_products: int
    seed_logs: int
    dashboard_small_logs: int
    buyers: int
    hot_stock: int
    checkout_rounds: int
    growth_products: tuple[int, ...]
    growth_logs: tuple[int, ...]
    growth_buyers: tuple[int, ...]
    command_timeout: float
    database_name: str
    keep_databases: bool
    only: tuple[str, ...]

    @classmethod
    def from_env(cls) -> "Config":
        quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
        only = tuple(part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip())
        unknown = set(only) - set(SECTIONS)
        if unknown:
            raise SystemExit(f"BENCH_ONLY: unknown {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
        return cls(
            quick=quick,
            rounds=_env_int("BENCH_ROUNDS", 2 if quick else 3),
            seconds=_env_float("BENCH_SECONDS", 2 if quick else 5),
            connections=_env_int("BENCH_CONNECTIONS", 8),
            tail_seconds=_env_float("BENCH_TAIL_SECONDS", 10 if quick else 30),
            tail_max_requests=_env_int("BENCH_TAIL_MAX_REQUESTS", 500 if quick else 1000),
            catalog_products=_env_int("BENCH_CATALOG_PRODUCTS", 200 if quick else 1000),
            facet_products=_env_int("BENCH_FACET_PRODUCTS", 2_000 if quick else 100_000),
            seed_products=_env_int("BENCH_SEED_PRODUCTS", 5_000 if quick else 100_000),
            seed_logs=_env_int("BENCH_SEED_LOGS", 50_000 if quick else 1_000_000),
            dashboard_small_logs=_env_int("BENCH_DASHBOARD_SMALL_LOGS", 1_000 if quick else 10_000),
            buyers=_env_int("BENCH_BUYERS", 50),
            hot_stock=_env_int("BENCH_HOT_STOCK", 10),
            checkout_rounds=_env_int("BENCH_CHECKOUT_ROUNDS", 2 if quick else 5),
            growth_products=_env_sizes("BENCH_GROWTH_PRODUCTS", "1000,5000" if quick else "10000,100000,1000000"),
            growth_logs=_env_sizes("BENCH_GROWTH_LOGS", "10000,50000" if quick else "1000000,10000000"),
            growth_buyers=_env_sizes("BENCH_GROWTH_BUYERS", "1,8,32"),
            command_timeout=_env_float("BENCH_COMMAND_TIMEOUT", 200),
            database_name=os.environ.get("BENCH_DATABASE_NAME") or "duka_bench",
            keep_databases=os.environ.get("BENCH_KEEP_DATABASES", "") not in ("", "0"),
            only=only or SECTIONS,
        )


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def helper(env: Environment, action: str, **arguments) -> dict:
    """Run a `bench.prepare` action in the environment of one database."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.prepare", action, json.dumps(arguments)],
        cwd=ROOT,
        env=env.variables(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench.prepare {action} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@dataclass
class Bench:
    config: Config
    postgres: Postgres
    redis: str | None
    load: LoadGenerator
    figures: dict[str, list[str]] = field(default_factory=lambda: {section: [] for section in SECTIONS})
    servers: list[Gunicorn] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    # Each dashboard run asks URLs no run asked before (see `_dashboard_paths`).
    dashboard_batches: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # -- plumbing ---------------------------------------------------------------------------------

    def emit(self, section: str, line: str) -> None:
        self.figures[section].append(line)
        print(line, flush=True)

    def environment(self, database: str) -> Environment:
        return Environment(self.postgres.database_url(database), self.redis, {"CACHE_KEY_PREFIX": f"bench-{database}"})

    def fresh_database(self, suffix: str = "") -> Environment:
        """An empty, migrated database cloned from the template."""
        name = self.config.database_name + suffix
        self.postgres.create(name, template=self.template)
        self.databases.append(name)
        return self.environment(name)

    def prepare_template(self) -> None:
        self.template = self.config.database_name + "_template"
        progress(f"migrating the template database {self.template}")
        self.postgres.create(self.template)
        manage(self.environment(self.template), "migrate", "--noinput", timeout=600)

    def serve(self, env: Environment, label: str, log_level: str = "warning") -> Gunicorn:
        server = Gunicorn(env, label, log_level=log_level)
        self.servers.append(server)
        return server

    def serve_bare_floor(self, env: Environment) -> Gunicorn:
        server = Gunicorn.bare_floor(env)
        self.servers.append(server)
        return server

    def stop_servers(self) -> None:
        while self.servers:
            self.servers.pop().stop()

    def drop_databases(self) -> None:
        if self.config.keep_databases:
            return
        for name in [*self.databases, getattr(self, "template", None)]:
            if name:
                self.postgres.drop(name)
        self.databases.clear()

    def measure(
        self,
        server: Gunicorn,
        paths: list[str],
        *,
        connections: int,
        token: str | None = None,
        seconds: float = 0,
        headers: dict[str, str] | None = None,
        count_statuses: bool = False,
    ) -> LoadResult:
        seconds = seconds or self.config.seconds
        return self.load.run(
            server.base_url,
            paths,
            connections=connections,
            seconds=seconds,
            token=token,
            headers=headers,
            count_statuses=count_statuses,
        )

    def side_by_side(self, *runs: Callable[[], LoadResult]) -> tuple[list[LoadResult], ...]:
        """Run each side once per round for the configured rounds, each round starting one side later
        (A B, B A, ... for two; A B C, B C A, C A B, ... for three)."""
        results = tuple([] for _ in runs)
        for round_number in range(self.config.rounds):
            for offset in range(len(runs)):
                side = (round_number + offset) % len(runs)
                results[side].append(runs[side]())
        return results

    # -- 1. catalog -------------------------------------------------------------------------------

    def catalog(self) -> None:
        env = self.main
        names = (
            "catalog list, page 1 (20 rows)",
            "catalog list, filtered + searched",
            "product detail",
            "catalog SQL queries per request",
        )
        server = self.main_server
        if not self.catalog_api:
            for name in names:
                self.emit("catalog", not_available(name, "GET /api/products/ answers 404 (catalog not merged)"))
            return
        info = self.catalog_info
        if not info.get("slugs"):
            for name in names:
                self.emit("catalog", not_available(name, "no active products after seeding"))
            return
        list_query = "?" + urlencode(
            {"category": info["category_id"], "min_price": info["min_price"], "search": info["search"]}
        )
        pairs = [
            (names[0], ["/api/products/"], ["/bench/products/"]),
            (names[1], ["/api/products/" + list_query], ["/bench/products/" + list_query]),
            (
                names[2],
                [f"/api/products/{slug}/" for slug in info["slugs"]],
                [f"/bench/products/{slug}/" for slug in info["slugs"]],
            ),
        ]
        floor = self.serve_bare_floor(env)
        for name, api_paths, baseline_paths in pairs:
            mismatch = self._compare_rows(server, api_paths[0], server, baseline_paths[0])
            floor_mismatch = self._compare_rows(server, api_paths[0], floor, baseline_paths[0])
            for note in {mismatch, floor_mismatch} - {""}:
                progress(f"{name}: {note}")
            sides = ((server, api_paths), (server, baseline_paths), (floor, baseline_paths))
            for side_server, paths in sides:
                self.measure(side_server, paths, connections=self.config.connections, seconds=1)
            api, baseline, bare = self.side_by_side(
                *(
                    lambda side_server=side_server, paths=paths: self.measure(
                        side_server, paths, connections=self.config.connections
                    )
                    for side_server, paths in sides
                )
            )
            self._emit_throughput_ratio(name, api, baseline, mismatch, "baseline")
            self._emit_throughput_ratio(
                name, api, bare, floor_mismatch, "bare floor", f"in-project baseline {_rate(baseline)} req/s"
            )
        self._catalog_cached(floor, info)
        floor.stop()
        self._catalog_tail()
        counts = helper(
            env.but(CATALOG_CACHE_ENABLED="0"),  # each path is asked twice: the second would be a cache hit
            "query_counts",
            paths=[
                "/api/products/?page_size=1",
                "/api/products/?page_size=20",
                f"/api/products/?page_size=1&{list_query[1:]}",
                f"/api/products/?page_size=20&{list_query[1:]}",
                f"/api/products/{info['slugs'][0]}/",
                "/bench/products/?page_size=20",
            ],
        )
        queries = [entry["queries"] for entry in counts.values()]
        statuses = {entry["status"] for entry in counts.values()}
        self.emit(
            "catalog",
            figure_line(
                names[3],
                f"{queries[0]} vs {queries[1]}",
                "equal",
                queries[0] == queries[1] and queries[2] == queries[3] and statuses == {200},
                f"page_size 1 / 20: list {queries[0]} / {queries[1]}, filtered {queries[2]} / {queries[3]}; "
                f"detail {queries[4]}; baseline list {queries[5]}; statuses {sorted(statuses)}",
            ),
        )

    def _catalog_cached(self, floor: Gunicorn, info: dict) -> None:
        """The catalog response cache: anonymous list and detail reads answered from Redis, against the bare
        floor (target 2x), and the same reads sent with the ETag they last got (every answer a 304)."""
        cached = self.serve(self.main, "cached")
        details = [f"/api/products/{slug}/" for slug in info["slugs"]]
        pairs = [
            ("catalog list, cached", ["/api/products/"], ["/bench/products/"]),
            ("product detail, cached", details, [f"/bench/products/{slug}/" for slug in info["slugs"]]),
        ]
        for name, api_paths, floor_paths in pairs:
            note = self._compare_rows(cached, api_paths[0], floor, floor_paths[0])
            sides = ((cached, api_paths), (floor, floor_paths))
            for side_server, paths in sides:
                self.measure(side_server, paths, connections=self.config.connections, seconds=1)
            api, bare = self.side_by_side(
                *(
                    lambda side_server=side_server, paths=paths: self.measure(
                        side_server, paths, connections=self.config.connections
                    )
                    for side_server, paths in sides
                )
            )
            self._emit_throughput_ratio(name, api, bare, note, "bare floor", target=2.0)
        path = details[0]
        etag = request(cached.base_url, "GET", path).headers.get("ETag", "")
        runs = [
            self.measure(
                cached,
                [path],
                connections=self.config.connections,
                headers={"If-None-Match": etag},
                count_statuses=True,
            )
            for _ in range(self.config.rounds)
        ]
        statuses: dict[int, int] = {}
        for run in runs:
            for status, count in run.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        not_modified = statuses.get(304, 0)
        self.emit(
            "catalog",
            figure_line(
                "product detail, matching If-None-Match",
                f"{not_modified:,} of {sum(statuses.values()):,} answers 304",
                "all 304",
                bool(etag) and not_modified > 0 and set(statuses) == {304},
                f"{_rate(runs)} req/s; statuses {dict(sorted(statuses.items()))}; ETag {etag or 'missing'}",
            ),
        )
        cached.stop()

    def _catalog_tail(self) -> None:
        """p99 over p50 of the uncached list, `BENCH_TAIL_SECONDS` at 8 connections, on a gunicorn configured as in
        production (`gunicorn.conf.py`: preloaded, workers recycled with jitter) but recycling after
        `BENCH_TAIL_MAX_REQUESTS`, so that workers are replaced during the run; its log counts the recycles."""
        max_requests = self.config.tail_max_requests
        server = self.serve(
            self.main.but(CATALOG_CACHE_ENABLED="0", GUNICORN_MAX_REQUESTS=str(max_requests)), "tail", log_level="info"
        )
        result = self.measure(server, ["/api/products/"], connections=8, seconds=self.config.tail_seconds)
        recycles = worker_recycles(server.log_text())
        server.stop()
        value = ratio(result.p99_ms, result.p50_ms)
        failures = result.non_2xx + result.socket_errors
        raw = (
            f"p50 {number(result.p50_ms)} ms, p99 {number(result.p99_ms)} ms; {recycles} worker recycles "
            f"(max_requests {max_requests} + jitter up to {max_requests // 10}); {result.requests:,} requests in "
            f"{number(result.seconds, 1)} s"
        )
        if failures:
            raw += f"; {failures} non-2xx/socket errors"
        met = value is not None and value <= TAIL_TARGET and recycles > 0 and not failures
        self.emit(
            "catalog",
            figure_line("catalog list, p99/p50 at 8 connections", number(value), f"<= {TAIL_TARGET:.2f}", met, raw),
        )

    def _compare_rows(self, server: Gunicorn, api_path: str, baseline_server: Gunicorn, baseline_path: str) -> str:
        api = request(server.base_url, "GET", api_path)
        baseline = request(baseline_server.base_url, "GET", baseline_path)
        if api.status != 200 or baseline.status != 200:
            return f"status {api.status} (api) vs {baseline.status} (baseline)"
        api_body, baseline_body = api.json(), baseline.json()
        if "results" in api_body:
            api_ids = [row["id"] for row in api_body["results"]]
            baseline_ids = [row["id"] for row in baseline_body["results"]]
            if api_body.get("count") != baseline_body["count"] or api_ids != baseline_ids:
                return (
                    f"rows differ: api count {api_body.get('count')} ids {api_ids[:5]}..., "
                    f"baseline count {baseline_body['count']} ids {baseline_ids[:5]}..."
                )
            return "" if api_ids else "no rows match the filter"
        return "" if api_body.get("id") == baseline_body["id"] else "detail rows differ"

    def _emit_throughput_ratio(
        self,
        name: str,
        api: list[LoadResult],
        baseline: list[LoadResult],
        note: str,
        against: str,
        extra: str = "",
        target: float = 0.6,
    ) -> None:
        """API req/s over the req/s of `against` (the in-project baseline or the bare floor), target 0.6 unless
        told otherwise."""
        value = ratio(_median_rate(api), _median_rate(baseline))
        failures = sum(result.non_2xx + result.socket_errors for result in api + baseline)
        raw = f"api {_rate(api)} req/s | {against} {_rate(baseline)} req/s"
        for part in (extra, f"{failures} non-2xx/socket errors" if failures else "", note):
            if part:
                raw += f"; {part}"
        met = value is not None and value >= target and not failures and not note
        self.emit("catalog", figure_line(name, f"{number(value)}x {against}", f">= {target:.2f}x", met, raw))

    # -- 2. request logging -----------------------------------------------------------------------

    def logging(self) -> None:
        names = ("request logging on/off, p50 latency", "request logging on/off, p99 latency")
        info = helper(self.main, "settings_info")
        if not info["request_logging_middleware"]:
            for name in names:
                self.emit("logging", not_available(name, "no core.middleware request logger in MIDDLEWARE"))
            return
        if self.catalog_api and self.catalog_info.get("slugs"):
            paths, token, what = (
                [f"/api/products/{slug}/" for slug in self.catalog_info["slugs"]],
                None,
                "product detail",
            )
        else:
            token = helper(self.main, "buyers", count=1)["buyers"][0]["token"]
            paths, what = ["/api/profile/"], "GET /api/profile/ (catalog not merged)"
        # Without the catalog cache, as the catalog lines: the logging's cost next to the view's own.
        uncached = self.main.but(CATALOG_CACHE_ENABLED="0")
        logging_on = self.serve(uncached.but(REQUEST_LOGGING_ENABLED="1"), "logging-on")
        logging_off = self.serve(uncached.but(REQUEST_LOGGING_ENABLED="0"), "logging-off")
        connections = 2
        for server in (logging_on, logging_off):
            self.measure(server, paths, connections=connections, token=token, seconds=1)
        on, off = self.side_by_side(
            lambda: self.measure(logging_on, paths, connections=connections, token=token),
            lambda: self.measure(logging_off, paths, connections=connections, token=token),
        )
        logging_on.stop()
        logging_off.stop()
        failures = sum(result.non_2xx + result.socket_errors for result in on + off)
        suffix = f"; {what}, {connections} connections" + (f"; {failures} non-2xx/socket errors" if failures else "")
        for name, attribute, target, limit in ((names[0], "p50_ms", "<= 1.10x", 1.10), (names[1], "p99_ms", "-", None)):
            on_ms = median([getattr(result, attribute) for result in on])
            off_ms = median([getattr(result, attribute) for result in off])
            value = ratio(on_ms, off_ms)
            met = None if limit is None else (value is not None and value <= limit and not failures)
            raw = f"on {number(on_ms, 3)} ms | off {number(off_ms, 3)} ms{suffix}"
            self.emit("logging", figure_line(name, f"{number(value)}x", target, met, raw))

    # -- 3. checkout ------------------------------------------------------------------------------

    def checkout(self) -> None:
        race = f"checkout race: {self.config.buyers} buyers, {self.config.hot_stock} in stock"
        throughput = f"checkout throughput, {self.config.buyers} buyers x {self.config.buyers} products"
        server = self.main_server
        buyers = helper(self.main, "buyers", count=self.config.buyers)["buyers"]
        tokens = [buyer["token"] for buyer in buyers]
        for path in ("/api/cart/", "/api/checkout/"):
            status = request(server.base_url, "OPTIONS", path, token=tokens[0]).status
            if status == 404:
                for name in (race, throughput):
                    self.emit("checkout", not_available(name, f"{path} answers 404 (cart/checkout not merged)"))
                return
        label = f"{int(time.time())}"
        hot = helper(self.main, "products", count=1, stock=self.config.hot_stock, label=f"hot{label}")["ids"][0]
        failed = self._fill_carts(server, tokens, [hot] * len(tokens))
        if failed:
            self.emit("checkout", not_available(race, f"filling carts failed: {failed}"))
        else:
            result = burst(server.base_url, "POST", "/api/checkout/", tokens, [{}] * len(tokens))
            state = helper(self.main, "product_state", product_id=hot)
            created, conflicts = result.statuses.count(201), result.statuses.count(409)
            server_errors = sum(status >= 500 or status < 0 for status in result.statuses)
            others = len(result.statuses) - created - conflicts - server_errors
            expected_conflicts = max(len(tokens) - self.config.hot_stock, 0)
            met = (
                created == min(self.config.hot_stock, len(tokens))
                and conflicts == expected_conflicts
                and server_errors == 0
                and state["sold"] == created
                and state["stock"] == self.config.hot_stock - created
            )
            self.emit(
                "checkout",
                figure_line(
                    race,
                    f"sold {state['sold']}",
                    f"{self.config.hot_stock}, 409s only",
                    met,
                    f"201 x{created}, 409 x{conflicts}, 5xx/errors x{server_errors}, other x{others}; "
                    f"stock left {state['stock']}; {number(result.seconds, 3)} s",
                ),
            )
        self._checkout_throughput(
            server, throughput, label, buyers=self.config.buyers, bursts=self.config.checkout_rounds
        )

    def _fill_carts(self, server: Gunicorn, tokens: list[str], product_ids: list[int]) -> str:
        result = burst(
            server.base_url,
            "POST",
            "/api/cart/",
            tokens,
            [{"product_id": product_id, "quantity": 1} for product_id in product_ids],
        )
        bad = sorted({status for status in result.statuses if status not in (200, 201)})
        return f"POST /api/cart/ answered {bad}" if bad else ""

    def _checkout_throughput(
        self, server: Gunicorn, name: str, label: str, *, buyers: int, bursts: int, section: str = "checkout"
    ) -> None:
        """Orders/s of `buyers` simultaneous checkouts, each buyer of a product of its own, over `bursts` bursts
        (the carts filled again before each): the median of the bursts' rates, and the checkouts' p50 latency."""
        # Fresh buyers' carts: the race leaves the losers' carts holding the sold-out product.
        tokens = [buyer["token"] for buyer in helper(self.main, "buyers", count=buyers)["buyers"]]
        products = helper(self.main, "products", count=len(tokens), stock=1_000_000, label=f"spread{label}")["ids"]
        orders, seconds, rates, latencies, server_errors, refused = 0, 0.0, [], [], 0, 0
        for _ in range(bursts):
            failed = self._fill_carts(server, tokens, products)
            if failed:
                self.emit(section, not_available(name, f"filling carts failed: {failed}"))
                return
            result = burst(server.base_url, "POST", "/api/checkout/", tokens, [{}] * len(tokens))
            latencies += result.latencies
            created = result.statuses.count(201)
            failed = sum(status >= 500 or status < 0 for status in result.statuses)
            server_errors += failed
            refused += len(tokens) - created - failed
            orders += created
            seconds += result.seconds
            rates.append(created / result.seconds)
        self.emit(
            section,
            figure_line(
                name,
                f"{number(median(rates), 1)} orders/s",
                "-",
                None if not server_errors + refused else False,
                f"{orders} orders in {number(seconds, 3)} s over {bursts} bursts (median of bursts); "
                f"checkout p50 {number(median(latencies) * 1000, 1)} ms; 4xx x{refused}, 5xx/errors x{server_errors}",
            ),
        )

    # -- 5. seeding -------------------------------------------------------------------------------

    def seed(self) -> None:
        products_name = f"seed --products {self.config.seed_products:,}"
        logs_name = f"seed_core --logs {self.config.seed_logs:,}"
        scratch = self.fresh_database("_scratch")
        self.scratch_logs = None
        for name, command, args in (
            (products_name, "seed", ["--products", str(self.config.seed_products), "--seed", "1"]),
            (logs_name, "seed_core", ["--logs", str(self.config.seed_logs)]),
        ):
            progress(f"timing `manage.py {command} {' '.join(args)}`")
            try:
                seconds = manage(scratch, command, *args, timeout=self.config.command_timeout)
            except CommandMissing:
                self.emit("seed", not_available(name, f"no `{command}` management command (not merged)"))
                continue
            except (CommandTimedOut, RuntimeError) as error:
                self.emit("seed", not_available(name, _first_line(error)))
                continue
            if command == "seed_core":
                self.scratch_logs = scratch
            self.emit("seed", figure_line(name, f"{number(seconds, 1)} s", "<= 10 min", seconds <= 600, "wall time"))

    # -- facets ------------------------------------------------------------------------------------

    def facets(self) -> None:
        """GET /api/products/facets/ on a catalog of its own: unfiltered, by category, by attribute values, and
        everything at once; one connection, so the p50 is the latency of one request. A line for the four mixed,
        then one per filter set, each measured alone (rounds in turn), each with the same target."""
        size = self.config.facet_products
        name = f"facets, {size:,} products (p50)"
        env = self.fresh_database("_facets")
        progress(f"facets catalog: {size:,} products by INSERT ... SELECT")
        started = time.perf_counter()
        try:
            info = helper(env, "facets_catalog", products=size)
        except RuntimeError as error:
            self.emit("facets", not_available(name, _first_line(error)))
            return
        made = time.perf_counter() - started
        # The facets themselves, not the response cache: every repeat of a path would be a hit.
        server = self.serve(env.but(CATALOG_CACHE_ENABLED="0"), "facets")
        category, colour = info["category_id"], info["colour"]
        filter_sets = {
            "no filter": "/api/products/facets/",
            "category": f"/api/products/facets/?category={category}",
            "two attributes": f"/api/products/facets/?attr_colour={colour}&attr_size=m,l",
            "category+colour+price+weight": (
                f"/api/products/facets/?category={category}&attr_colour={colour}&min_price=100&attr_weight_min=5"
            ),
        }
        paths = list(filter_sets.values())
        statuses = {request(server.base_url, "GET", path).status for path in paths}
        if statuses != {200}:
            self.emit("facets", not_available(name, f"statuses {sorted(statuses)}"))
            return
        self.measure(server, paths, connections=1, seconds=1)
        results = [self.measure(server, paths, connections=1) for _ in range(self.config.rounds)]
        note = f"{len(paths)} filter sets mixed, 1 connection; catalog made in {number(made, 1)} s"
        self._latency_line("facets", name, results, note, FACETS_TARGET_MS)
        alone = self.side_by_side(*(lambda path=path: self.measure(server, [path], connections=1) for path in paths))
        for label, results in zip(filter_sets, alone, strict=True):
            self._latency_line("facets", f"  facets p50, {label}", results, "alone, 1 connection", FACETS_TARGET_MS)

    def _latency_line(
        self,
        section: str,
        name: str,
        results: list[LoadResult],
        note: str,
        limit_ms: float | None = None,
        *,
        problem: bool = False,
    ) -> None:
        """The p50 of runs (their median), with their p99 and req/s; under `limit_ms` when given, else informative.
        A non-2xx answer, a socket error or a `problem` the note describes fails the line either way."""
        p50 = median([result.p50_ms for result in results if result.p50_ms is not None])
        p99 = median([result.p99_ms for result in results if result.p99_ms is not None])
        failures = sum(result.non_2xx + result.socket_errors for result in results)
        met = None if limit_ms is None else p50 is not None and p50 < limit_ms
        raw = f"{note}; p99 {number(p99, 1)} ms; {number(_median_rate(results), 1)} req/s"
        if failures:
            raw = f"{raw}; {failures} non-2xx/socket errors"
        if failures or problem:
            met = False
        target = "-" if limit_ms is None else f"< {limit_ms:g} ms"
        self.emit(section, figure_line(name, f"{number(p50, 1)} ms", target, met, raw))

    # -- 4. dashboard -----------------------------------------------------------------------------

    def dashboard(self) -> None:
        small_size, large_size = self.config.dashboard_small_logs, self.config.seed_logs
        name = f"dashboard, {large_size:,} vs {small_size:,} logs"
        scratch = getattr(self, "scratch_logs", None)
        small = self.fresh_database("_logs_small")
        large = scratch or self.fresh_database("_logs_large")
        tokens = [helper(env, "manager")["token"] for env in (small, large)]
        small_server, large_server = self.serve(small, "logs-small"), self.serve(large, "logs-large")
        today = datetime.datetime.now(datetime.UTC).date()
        probe_path = self._dashboard_paths(today, 0, 1)[0]
        probe = request(small_server.base_url, "GET", probe_path, token=tokens[0])
        if probe.status != 200:
            reason = "404 (security dashboard not merged)" if probe.status == 404 else f"status {probe.status}"
            self.emit("dashboard", not_available(name, f"GET /api/security/dashboard/ answers {reason}"))
            return
        has_seed_core = command_exists(self.main, "seed_core")
        sources = []
        for env, size in ((small, small_size), (large, large_size)):
            if env is scratch:
                continue
            if has_seed_core:
                progress(f"seed_core --logs {size:,}")
                try:
                    manage(env, "seed_core", "--logs", str(size), timeout=self.config.command_timeout)
                except (CommandTimedOut, RuntimeError) as error:
                    self.emit("dashboard", not_available(name, _first_line(error)))
                    return
            else:
                progress(f"{size:,} request logs by SQL (no seed_core command)")
                helper(env, "logs_fallback", count=size)
                sources.append("logs by SQL, no seed_core")
        totals_path = self._dashboard_paths(today, 0, 2)[1]
        totals = [
            request(server.base_url, "GET", totals_path, token=token).json().get("total_requests")
            for server, token in ((small_server, tokens[0]), (large_server, tokens[1]))
        ]
        for server, token in ((small_server, tokens[0]), (large_server, tokens[1])):
            self._dashboard_run(server, token, seconds=1)
        small_results, large_results = self.side_by_side(
            lambda: self._dashboard_run(small_server, tokens[0]), lambda: self._dashboard_run(large_server, tokens[1])
        )
        small_server.stop()
        large_server.stop()
        small_ms = median([result.p50_ms for result in small_results])
        large_ms = median([result.p50_ms for result in large_results])
        value = ratio(large_ms, small_ms)
        failures = sum(result.non_2xx + result.socket_errors for result in small_results + large_results)
        raw = (
            f"{large_size:,} logs {number(large_ms, 3)} ms | {small_size:,} logs {number(small_ms, 3)} ms "
            "(p50, 1 connection); "
            f"total_requests {totals[1]} / {totals[0]}"
        )
        if failures:
            raw += f"; {failures} non-2xx/socket errors"
        if sources:
            raw += "; " + sources[0]
        self.emit(
            "dashboard",
            figure_line(name, f"{number(value)}x", "<= 3.00x", value is not None and value <= 3 and not failures, raw),
        )

    def _dashboard_run(self, server: Gunicorn, token: str, seconds: float = 0) -> LoadResult:
        """The dashboard over 2,000 URLs no run asked before, 1 connection."""
        today = datetime.datetime.now(datetime.UTC).date()
        paths = self._dashboard_paths(today, next(self.dashboard_batches), 2000)
        return self.measure(server, paths, connections=1, token=token, seconds=seconds)

    @staticmethod
    def _dashboard_paths(today: datetime.date, batch: int, count: int) -> list[str]:
        """Distinct URLs over the same 7 days of data (a wider `from` adds no rows), so no response cache hits."""
        paths = []
        for index in range(batch * count, (batch + 1) * count):
            extra_days, top_n = divmod(index, 100)
            start = today - datetime.timedelta(days=7 + extra_days)
            paths.append(f"/api/security/dashboard/?from={start}&to={today}&top_n={top_n + 1}")
        return paths

    # -- how cost grows ---------------------------------------------------------------------------

    def growth(self) -> None:
        """How cost grows: the catalog list and search at each size of BENCH_GROWTH_PRODUCTS, the dashboard at each
        of BENCH_GROWTH_LOGS (one database each for products and logs, grown in steps and measured after each),
        checkout with each number of BENCH_GROWTH_BUYERS. Informative lines; the reads on 1 connection."""
        self._growth_catalog()
        self._growth_dashboard()
        self._growth_checkout()

    def _growth_catalog(self) -> None:
        """Anonymous reads with the response cache off, so each figure is the query's cost: five list pages (pages
        1, 2 and 50, a category, the category by price) asked in turn, and four searches in turn, after one
        request to each that checks its status."""
        env = self.fresh_database("_growth_catalog")
        for size in self.config.growth_products:
            progress(f"growing the catalog to {size:,} products, with images")
            started = time.perf_counter()
            info = helper(env, "facets_catalog", products=size)
            helper(env, "catalog_images")
            grown = f"grown to {size:,} in {number(time.perf_counter() - started, 1)} s"
            # A server per size: no process keeps what it read of the smaller catalog.
            server = self.serve(env.but(CATALOG_CACHE_ENABLED="0"), f"growth-catalog-{size}")
            category = info["category_id"]
            lists = [
                "/api/products/",
                "/api/products/?page=2",
                "/api/products/?page=50",
                f"/api/products/?category={category}",
                f"/api/products/?category={category}&ordering=price",
            ]
            searches = ["/api/products/?" + urlencode({"search": term}) for term in info["searches"]]
            answers = [request(server.base_url, "GET", path) for path in lists + searches]
            statuses = sorted({answer.status for answer in answers})
            names = (f"catalog list p50, {size:,} products", f"catalog search p50, {size:,} products")
            if statuses != [200]:
                for name in names:
                    self.emit("growth", not_available(name, f"statuses {statuses}"))
                server.stop()
                continue
            matches = ", ".join(
                f"{term} {answer.json()['count']:,}"
                for term, answer in zip(info["searches"], answers[len(lists) :], strict=True)
            )
            # In turn, not wrk: at a million products a timed run would ask little but the first page.
            list_results, search_results = self.side_by_side(
                *(
                    lambda server=server, paths=paths: in_turn(server.base_url, paths, seconds=self.config.seconds)
                    for paths in (lists, searches)
                )
            )
            note = "asked in turn, whole passes, 1 connection"
            self._latency_line("growth", names[0], list_results, f"{len(lists)} pages {note}; {grown}")
            self._latency_line(
                "growth", names[1], search_results, f"{len(searches)} searches {note}; matches: {matches}"
            )
            server.stop()

    def _growth_dashboard(self) -> None:
        """The request logs as `seed_core` writes them (with the daily rollup the dashboard reads), one client IP
        per LOGS_PER_CLIENT requests; the manager's dashboard over distinct URLs."""
        env = self.fresh_database("_growth_logs")
        token = helper(env, "manager")["token"]
        made = 0
        for size in self.config.growth_logs:
            clients = max(7, size // LOGS_PER_CLIENT)
            progress(f"seed_core --logs {size - made:,} --ips {clients:,}")
            # The same seed draws the same first IPs: each step's clients include the previous step's.
            seconds = manage(
                env, "seed_core", "--logs", str(size - made), "--ips", str(clients), "--seed", "1", timeout=3600
            )
            made = size
            server = self.serve(env, f"growth-logs-{size}")
            today = datetime.datetime.now(datetime.UTC).date()
            probe_path = self._dashboard_paths(today, next(self.dashboard_batches), 1)[0]
            probe = request(server.base_url, "GET", probe_path, token=token)
            total = probe.json().get("total_requests") if probe.status == 200 else f"unknown (status {probe.status})"
            self._dashboard_run(server, token, seconds=1)
            results = [self._dashboard_run(server, token) for _ in range(self.config.rounds)]
            note = (
                f"{clients:,} client IPs over 7 days; distinct URLs, 1 connection; total_requests {total}; "
                f"seed_core added {number(seconds, 1)} s"
            )
            self._latency_line("growth", f"dashboard p50, {size:,} logs", results, note, problem=total != size)
            server.stop()

    def _growth_checkout(self) -> None:
        server = self.serve(self.main, "growth-checkout")
        label = f"growth{int(time.time())}"
        for buyers in self.config.growth_buyers:
            self._checkout_throughput(
                server,
                f"checkout throughput, {buyers} buyers",
                f"{label}-{buyers}",
                buyers=buyers,
                bursts=max(self.config.checkout_rounds, GROWTH_CHECKOUTS // buyers),
                section="growth",
            )
        server.stop()

    # -- the run ----------------------------------------------------------------------------------

    def run(self) -> None:
        self.prepare_template()
        self.main = self.fresh_database()
        self.catalog_api = False
        self.catalog_info = {}
        if {"catalog", "logging", "checkout"} & set(self.config.only):
            self._seed_catalog()
            # The catalog cache is off here, so the figures measure the views themselves; `catalog` serves the
            # cached reads from a server of their own.
            self.main_server = self.serve(self.main.but(CATALOG_CACHE_ENABLED="0"), "main")
            self.catalog_api = request(self.main_server.base_url, "GET", "/api/products/").status != 404
        for section in SECTIONS:
            if section in self.config.only:
                print(f"\n[{section}]", flush=True)
                try:
                    getattr(self, section)()
                except Exception as error:  # one broken benchmark must not hide the others' figures
                    traceback.print_exc()
                    self.emit(section, not_available(section, f"benchmark failed: {_first_line(error)}"))
        self.stop_servers()

    def _seed_catalog(self) -> None:
        size = self.config.catalog_products
        try:
            progress(f"seed --products {size} --customers 10 --seed 1")
            manage(
                self.main,
                "seed",
                "--products",
                str(size),
                "--customers",
                "10",
                "--seed",
                "1",
                timeout=self.config.command_timeout,
            )
        except CommandMissing:
            progress(f"no `seed` command: {size} products through the ORM")
            helper(self.main, "catalog_fallback", products=size)
        except (RuntimeError, CommandTimedOut) as error:
            progress(f"`seed` failed ({_first_line(error)}): {size} products through the ORM")
            helper(self.main, "catalog_fallback", products=size)
        progress("product images for the catalog")
        helper(self.main, "catalog_images")
        self.catalog_info = helper(self.main, "catalog_info")


def _median_rate(results: list[LoadResult]) -> float | None:
    return median([result.requests_per_second for result in results])


def _rate(results: list[LoadResult]) -> str:
    return number(_median_rate(results), 1)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def main() -> int:
    config = Config.from_env()
    interrupt_on_sigterm()
    started = time.perf_counter()
    postgres = Postgres.resolve()
    redis, redis_description = redis_url()
    use_wrk = os.environ.get("BENCH_NO_WRK", "") in ("", "0")
    bench = Bench(config, postgres, redis, LoadGenerator(wrk_path() if use_wrk else None))
    print(f"Duka benchmark{' (quick mode: BENCH_QUICK=1, small sizes)' if config.quick else ''}")
    print("  server:     gunicorn, sync workers x2, DJANGO_DEBUG=0, persistent connections, on 127.0.0.1")
    print("  floor:      bench.bare, a bare Django project (no middleware, no DRF, no Duka apps) on the same rows")
    print(f"  PostgreSQL: {postgres.description}, databases {config.database_name}*")
    print(f"  Redis:      {redis_description}")
    print(f"  load:       {bench.load.description}; {config.connections} connections for throughput")
    print(f"  rounds:     {config.rounds} x {config.seconds:g} s per side, alternating; medians reported")
    try:
        bench.run()
    finally:
        bench.stop_servers()
        bench.drop_databases()
    print("\nSummary")
    for section in SECTIONS:
        for line in bench.figures[section]:
            print(line)
    print(f"\nfinished in {time.perf_counter() - started:.0f} s")
    return 0
