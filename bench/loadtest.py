"""`make loadtest`: shoppers against gunicorn + PostgreSQL + Redis at rising concurrency, until the p99 passes a limit.

Each virtual shopper is a thread with an account of its own that repeats one action after another, back to back
(no think time), picked by weight: browse (80 %: list pages, a category, a product, facets, a search or a filter),
cart (15 %: add a product, read the cart) and checkout (5 %: add a product, check out, pay with Stripe, the card
confirmed and the webhook delivered, then read the order, which must be paid). Stripe is the tests' fake Stripe
server (`payments.tests.fakes.stripe`), run in this process, with a confirm endpoint that plays the shopper's
browser and Stripe: it marks the PaymentIntent paid and hands back the webhook Stripe would send, signed, for the
shopper's thread to deliver. The shoppers of a step are spread over LOADTEST_PROCESSES processes so the generator
is not held back by one interpreter.

Each step runs its users for a warm-up, then LOADTEST_STEP_SECONDS measured; a request counts in a step when it
starts and ends inside the measured window. Every response is checked; an unexpected status is an error. The steps
stop after the first whose p99 passes LOADTEST_P99_MS; the sustained figures are those of the last step within it.
"""

import http.client
import json
import math
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.run import helper, progress
from bench.stack import ROOT, Environment, Gunicorn, Postgres, interrupt_on_sigterm, manage, redis_url
from bench.stats import number, percentile
from payments.tests.fakes.stripe import FakeStripe, StripeApiError, signed_webhook

SHOPPER_MIX = (("browse", 80), ("cart", 15), ("checkout", 5))
BROWSE_MIX = (("list", 25), ("category", 20), ("detail", 30), ("facets", 10), ("search", 10), ("filter", 5))
STRIPE_WEBHOOK_SECRET = "whsec_loadtest_only_5ecret"
STRIPE_PUBLISHABLE_KEY = "pk_test_loadtest"
REQUEST_TIMEOUT_SECONDS = 60
PAGE_SIZE = 20  # the catalog list's default page size
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Errors described per shopper and step (and printed per step); the rest are only counted.
ERRORS_SHOWN = 5


# -- pure helpers -------------------------------------------------------------------------------


def weighted_choice(choices: Sequence[tuple[str, float]], roll: float) -> str:
    """The name whose share of the total weight holds `roll` (0 <= roll < 1), in the order given."""
    total = sum(weight for _, weight in choices)
    point = roll * total
    for name, weight in choices:
        if point < weight:
            return name
        point -= weight
    return choices[-1][0]


@dataclass
class Tally:
    """What one process's shoppers saw in one step. Latencies and counts cover the measured window; errors and CPU
    the whole step."""

    latencies_ms: list[float] = field(default_factory=list)
    catalog_requests: int = 0
    orders: int = 0
    paid_orders: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0

    def merge(self, other: "Tally") -> None:
        self.latencies_ms += other.latencies_ms
        self.catalog_requests += other.catalog_requests
        self.orders += other.orders
        self.paid_orders += other.paid_orders
        self.errors += other.errors
        self.error_examples += other.error_examples
        self.cpu_seconds += other.cpu_seconds


@dataclass
class StepSummary:
    users: int
    seconds: float
    requests: int
    requests_per_second: float
    catalog_per_second: float
    orders_per_second: float
    paid_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int
    error_examples: list[str]
    # Cores the load generator used over the whole step (warm-up included); the shop's processes (gunicorn, the
    # Celery worker, the PostgreSQL backends of its database) and the whole machine over the measured window.
    generator_cores: float = 0.0
    shop_cores: float | None = None
    machine_cores: float | None = None


def step_summary(users: int, seconds: float, tallies: Sequence[Tally], wall_seconds: float = 0.0) -> StepSummary:
    """One step's figures from its processes' tallies; `wall_seconds` (warm-up included) divides the CPU time."""
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    requests = len(total.latencies_ms)
    return StepSummary(
        users=users,
        seconds=seconds,
        requests=requests,
        requests_per_second=requests / seconds,
        catalog_per_second=total.catalog_requests / seconds,
        orders_per_second=total.orders / seconds,
        paid_per_second=total.paid_orders / seconds,
        p50_ms=percentile(total.latencies_ms, 0.50),
        p99_ms=percentile(total.latencies_ms, 0.99),
        errors=total.errors,
        error_examples=total.error_examples,
        generator_cores=total.cpu_seconds / wall_seconds if wall_seconds else 0.0,
    )


def within_limit(step: StepSummary, limit_ms: float) -> bool:
    return step.p99_ms is not None and step.p99_ms <= limit_ms


def sustained_step(steps: Sequence[StepSummary], limit_ms: float) -> StepSummary | None:
    """The last step before the first whose p99 passed `limit_ms` (or had no requests); None when the first did."""
    sustained = None
    for step in steps:
        if not within_limit(step, limit_ms):
            break
        sustained = step
    return sustained


def busy_cores(before: str, after: str) -> float | None:
    """Cores busy between two readings of /proc/stat (its first, all-CPU line): non-idle time over elapsed time,
    times the number of CPUs."""

    def totals(text: str) -> tuple[int, int, int]:
        lines = text.splitlines()
        values = [int(value) for value in lines[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        cpus = sum(1 for line in lines[1:] if line.startswith("cpu"))
        return sum(values[:8]), idle, cpus

    total_before, idle_before, cpus = totals(before)
    total_after, idle_after, _ = totals(after)
    elapsed = total_after - total_before
    if elapsed <= 0:
        return None
    return (elapsed - (idle_after - idle_before)) / elapsed * cpus


def process_cpu(stat: str) -> tuple[int, float]:
    """The session id and the CPU seconds (user + system) of a process, from its /proc/<pid>/stat."""
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings of processes' CPU times by pid (a process new in `after` counts from
    zero; one gone by then is not counted)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def step_line(step: StepSummary) -> str:
    def cores(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    return (
        f"{step.users:>5} {number(step.requests_per_second, 1):>8} {number(step.catalog_per_second, 1):>10} "
        f"{number(step.orders_per_second):>8} {number(step.paid_per_second):>8} {number(step.p50_ms, 1):>8} "
        f"{number(step.p99_ms, 1):>8} {step.errors:>6} {step.generator_cores:>6.2f} {cores(step.shop_cores):>6} "
        f"{cores(step.machine_cores):>6}"
    )


STEP_HEADER = (
    f"{'users':>5} {'req/s':>8} {'catalog/s':>10} {'orders/s':>8} {'paid/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
    f"{'errors':>6} {'gen':>6} {'shop':>6} {'busy':>6}"
)


# -- the shoppers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Wall-clock times (time.time(), shared by the processes): shoppers start, measuring starts, everything ends."""

    start: float
    measure: float
    end: float


class UnexpectedAnswer(Exception):
    pass


class Shopper:
    """One virtual shopper: a thread repeating weighted actions with one account until the window ends."""

    def __init__(self, shop_url: str, stripe_url: str, token: str, catalog: dict, seed: int, window: Window):
        self.shop = urlsplit(shop_url)
        self.stripe = urlsplit(stripe_url)
        self.token = token
        self.catalog = catalog
        self.random = random.Random(seed)
        self.window = window
        self.category_sizes = Counter(category for _, _, category in catalog["products"])
        self.tally = Tally()
        self.connections: dict[tuple, http.client.HTTPConnection] = {}

    def run(self) -> None:
        while time.time() < self.window.end:
            action = weighted_choice(SHOPPER_MIX, self.random.random())
            try:
                getattr(self, action)()
            except UnexpectedAnswer as error:
                self._error(str(error))
            except (KeyError, TypeError, ValueError) as error:  # an answer without the fields a client reads
                self._error(f"{action}: unreadable answer ({type(error).__name__}: {error})")
        for connection in self.connections.values():
            connection.close()

    def _error(self, message: str) -> None:
        self.tally.errors += 1
        if len(self.tally.error_examples) < ERRORS_SHOWN:
            self.tally.error_examples.append(message)

    # The actions

    def browse(self) -> None:
        self.call("catalog", "GET", self.browse_path(weighted_choice(BROWSE_MIX, self.random.random())), {200})

    def browse_path(self, kind: str) -> str:
        """The catalog request of one kind of browsing (a name of BROWSE_MIX)."""
        catalog = self.catalog
        category = self.random.choice(catalog["categories"])
        if kind == "list":
            page = self.random.randint(1, self.pages(len(catalog["products"]), most=5))
            return f"/api/products/?page={page}" if page > 1 else "/api/products/"
        if kind == "category":
            pages = self.pages(self.category_sizes[category], most=2)
            return "/api/products/?" + urlencode({"category": category, "page": self.random.randint(1, pages)})
        if kind == "detail":
            return f"/api/products/{self.random.choice(catalog['products'])[1]}/"
        if kind == "facets":
            return "/api/products/facets/?" + urlencode({"category": category})
        if kind == "search":
            return "/api/products/?" + urlencode({"search": self.random.choice(catalog["search"])})
        return "/api/products/?" + urlencode(self._filter())

    @staticmethod
    def pages(products: int, *, most: int) -> int:
        """How many of the first `most` list pages hold products."""
        return max(1, min(most, math.ceil(products / PAGE_SIZE)))

    def _filter(self) -> dict:
        if self.catalog["attribute_filters"] and self.random.random() < 0.5:
            category, attribute, value = self.random.choice(self.catalog["attribute_filters"])
            return {"category": category, f"attr_{attribute}": value}
        low, high = (float(price) for price in self.catalog["prices"])
        floor = self.random.uniform(low, (low + high) / 2)
        return {
            "category": self.random.choice(self.catalog["categories"]),
            "min_price": f"{floor:.0f}",
            "max_price": f"{floor + (high - low) / 4:.0f}",
            "ordering": self.random.choice(["price", "-price", "-rating"]),
        }

    def cart(self) -> None:
        self._add_to_cart("cart")
        self.call("cart", "GET", "/api/cart/", {200})

    def checkout(self) -> None:
        self._add_to_cart("checkout")
        order = self.call("checkout", "POST", "/api/checkout/", {201}, body={}).json()
        self._count_if_measured("orders")
        payment = self.call(
            "checkout", "POST", f"/api/orders/{order['id']}/pay/", {201}, body={"provider": "stripe"}
        ).json()
        webhook = self.call(
            "provider",
            "POST",
            f"/v1/payment_intents/{payment['provider_reference']}/confirm",
            {200},
            server=self.stripe,
            body={"client_secret": (payment["next_action"] or {}).get("client_secret", "")},
        ).json()["webhook"]
        self.call(
            "checkout",
            "POST",
            "/api/payments/webhooks/stripe/",
            {200},
            raw=(webhook["body"].encode(), webhook["headers"]),
        )
        paid = self.call("checkout", "GET", f"/api/orders/{order['id']}/", {200}).json()
        if paid["status"] != "paid":
            raise UnexpectedAnswer(f"order {order['id']} is {paid['status']!r} after Stripe's webhook, not paid")
        self._count_if_measured("paid_orders")

    def _add_to_cart(self, group: str) -> None:
        product_id = self.random.choice(self.catalog["products"])[0]
        self.call(group, "POST", "/api/cart/", {200, 201}, body={"product_id": product_id, "quantity": 1})

    def _count_if_measured(self, counter: str) -> None:
        if self.window.measure <= time.time() <= self.window.end:
            setattr(self.tally, counter, getattr(self.tally, counter) + 1)

    # HTTP

    def call(
        self,
        group: str,
        method: str,
        path: str,
        expected: set[int],
        *,
        body=None,
        raw: tuple[bytes, dict] | None = None,
        server=None,
    ) -> "Answer":
        """One request, timed and checked. `raw` is a body sent as is, with its headers and without the token
        (a provider's webhook). The provider's own requests are checked but not measured."""
        server = server or self.shop
        headers = {"Host": "127.0.0.1", "Accept": "application/json"}
        if raw is not None:
            payload, extra = raw
            headers.update(extra)
        else:
            payload = None if body is None else json.dumps(body).encode()
            if body is not None:
                headers["Content-Type"] = "application/json"
            if server is self.shop:
                headers["Authorization"] = f"Bearer {self.token}"
        started = time.time()
        try:
            status, content = self._send(server, method, path, payload, headers)
        except OSError as error:
            raise UnexpectedAnswer(f"{method} {path}: {type(error).__name__}: {error}") from None
        finished = time.time()
        if status not in expected:
            raise UnexpectedAnswer(f"{method} {path}: {status} (expected {sorted(expected)}): {content[:300]!r}")
        if group != "provider" and self.window.measure <= started and finished <= self.window.end:
            self.tally.latencies_ms.append((finished - started) * 1000)
            self.tally.catalog_requests += group == "catalog"
        return Answer(status, content)

    def _send(self, server, method, path, payload, headers) -> tuple[int, bytes]:
        key = (server.hostname, server.port)
        connection = self.connections.get(key)
        if connection is None:
            connection = http.client.HTTPConnection(server.hostname, server.port, timeout=REQUEST_TIMEOUT_SECONDS)
            self.connections[key] = connection
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except OSError:
            connection.close()
            del self.connections[key]
            raise
        if response.will_close:
            connection.close()
            del self.connections[key]
        return response.status, content


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)


def shoppers_run(shop_url, stripe_url, tokens, catalog, seeds, window, results) -> None:
    """A generator process: one thread per token until the window ends; puts the process's Tally on `results`."""
    shoppers = [
        Shopper(shop_url, stripe_url, token, catalog, seed, window) for token, seed in zip(tokens, seeds, strict=True)
    ]
    time.sleep(max(0.0, window.start - time.time()))
    cpu_started = time.process_time()
    threads = [threading.Thread(target=shopper.run) for shopper in shoppers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally = Tally()
    for shopper in shoppers:
        tally.merge(shopper.tally)
    tally.cpu_seconds = time.process_time() - cpu_started
    results.put(tally)


# -- Stripe's side ------------------------------------------------------------------------------


class LoadTestStripe(FakeStripe):
    """The tests' fake Stripe API plus `POST /v1/payment_intents/{id}/confirm`: the shopper's card succeeds, and the
    answer carries the `payment_intent.succeeded` webhook Stripe would send, signed with the endpoint's secret."""

    def __init__(self, webhook_secret: str) -> None:
        super().__init__()
        self.webhook_secret = webhook_secret

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bool]:
        parts = urlsplit(target).path.strip("/").split("/")
        if method == "POST" and len(parts) == 4 and parts[:2] == ["v1", "payment_intents"] and parts[3] == "confirm":
            try:
                intent = self.succeed(parts[2])
            except StripeApiError as error:
                return error.status, {"error": error.error}, False
            payload, signed_headers = signed_webhook(
                self.event("payment_intent.succeeded", intent), self.webhook_secret
            )
            return 200, {"webhook": {"body": payload.decode(), "headers": signed_headers}}, False
        return super().answer(method, target, headers, body)


# -- the run ------------------------------------------------------------------------------------


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


@dataclass
class Config:
    steps: list[int]
    step_seconds: float
    warmup_seconds: float
    p99_limit_ms: float
    products: int
    stock: int
    processes: int
    web_workers: int
    celery_worker: bool
    database_name: str

    @classmethod
    def from_env(cls) -> "Config":
        steps = [int(part) for part in (os.environ.get("LOADTEST_STEPS") or "2,4,8,16,32,64,128").split(",") if part]
        if not steps or min(steps) < 1:
            raise SystemExit("LOADTEST_STEPS: a comma-separated list of user counts, each at least 1")
        return cls(
            steps=steps,
            step_seconds=_env_float("LOADTEST_STEP_SECONDS", 20),
            warmup_seconds=_env_float("LOADTEST_WARMUP_SECONDS", 3),
            p99_limit_ms=_env_float("LOADTEST_P99_MS", 500),
            products=_env_int("LOADTEST_PRODUCTS", 1000),
            stock=_env_int("LOADTEST_STOCK", 1_000_000),
            processes=_env_int("LOADTEST_PROCESSES", 2),
            web_workers=_env_int("WEB_CONCURRENCY", 2),
            celery_worker=os.environ.get("LOADTEST_CELERY_WORKER", "1") not in ("", "0"),
            database_name=os.environ.get("BENCH_DATABASE_NAME") or "duka_loadtest",
        )


def _proc_stat() -> str | None:
    try:
        return Path("/proc/stat").read_text()
    except OSError:
        return None


def shop_cpu(sessions: set[int], database: str) -> dict[int, float] | None:
    """CPU seconds by pid of the shop's processes: those of the given sessions (gunicorn, the Celery worker) and
    the PostgreSQL backends connected to `database` (their process title names it)."""
    if not Path("/proc/self/stat").exists():
        return None
    marker = f" {database} ".encode()
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            session, seconds = process_cpu((entry / "stat").read_text())
            if session in sessions or (
                (title := (entry / "cmdline").read_bytes()).startswith(b"postgres:") and marker in title
            ):
                used[int(entry.name)] = seconds
        except (OSError, ValueError, IndexError):
            continue
    return used


@dataclass
class LoadTest:
    config: Config
    postgres: Postgres
    redis: str | None
    env: Environment | None = None
    databases: list[str] = field(default_factory=list)
    job_workers: list[subprocess.Popen] = field(default_factory=list)
    generators: list = field(default_factory=list)
    beat_schedule: Path = field(
        default_factory=lambda: Path(tempfile.gettempdir()) / f"duka-loadtest-beat-{os.getpid()}"
    )

    def prepare(self) -> tuple[Environment, dict, list[str]]:
        name = self.config.database_name
        self.postgres.create(name)
        self.databases.append(name)
        env = Environment(
            self.postgres.database_url(name),
            self.redis,
            {"CACHE_KEY_PREFIX": f"loadtest-{name}", "REQUEST_LOG_BUFFER_KEY": f"duka:request-log-buffer:{name}"},
        )
        self.env = env
        progress(f"migrating {name}")
        manage(env, "migrate", "--noinput")
        progress(f"seed --products {self.config.products}")
        manage(env, "seed", "--products", str(self.config.products), "--customers", "10", "--seed", "1")
        helper(env, "catalog_images")
        catalog = helper(env, "shop_catalog", stock=self.config.stock)
        tokens = [buyer["token"] for buyer in helper(env, "buyers", count=max(self.config.steps))["buyers"]]
        return env, catalog, tokens

    def celery_worker(self, env: Environment) -> None:
        """One worker with beat inside, as production runs them: it sends the payment receipts and drains the
        request logs into PostgreSQL."""
        schedule = self.beat_schedule
        self.job_workers.append(
            subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("celery")),
                    "-A",
                    "duka_app",
                    "worker",
                    "--pool",
                    "solo",
                    "--beat",
                    "--schedule",
                    str(schedule),
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env.variables(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    def step(
        self, users: int, shop_url: str, stripe_url: str, catalog: dict, tokens: list[str], sessions: set[int]
    ) -> StepSummary:
        config = self.config
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        count = min(config.processes, users)
        start = time.time() + 1.5  # the processes start (spawn) before the window opens
        window = Window(start, start + config.warmup_seconds, start + config.warmup_seconds + config.step_seconds)
        self.generators = [
            context.Process(
                target=shoppers_run,
                args=(
                    shop_url,
                    stripe_url,
                    tokens[index:users:count],
                    catalog,
                    [users * 1000 + slot for slot in range(index, users, count)],
                    window,
                    results,
                ),
            )
            for index in range(count)
        ]
        for process in self.generators:
            process.start()
        time.sleep(max(0.0, window.measure - time.time()))
        before, shop_before = _proc_stat(), shop_cpu(sessions, config.database_name)
        time.sleep(max(0.0, window.end - time.time()))
        after, shop_after = _proc_stat(), shop_cpu(sessions, config.database_name)
        tallies = [results.get(timeout=REQUEST_TIMEOUT_SECONDS * 2) for _ in self.generators]
        for process in self.generators:
            process.join()
        self.generators = []
        summary = step_summary(users, config.step_seconds, tallies, window.end - window.start)
        if before and after:
            summary.machine_cores = busy_cores(before, after)
        if shop_before is not None and shop_after is not None:
            summary.shop_cores = cpu_used(shop_before, shop_after) / config.step_seconds
        return summary

    def run(self) -> list[StepSummary]:
        env, catalog, tokens = self.prepare()
        steps = []
        with LoadTestStripe(STRIPE_WEBHOOK_SECRET) as stripe:
            shop_env = env.but(
                STRIPE_SECRET_KEY=stripe.secret_key,
                STRIPE_PUBLISHABLE_KEY=STRIPE_PUBLISHABLE_KEY,
                STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET,
                STRIPE_API_BASE=stripe.url,
            )
            if self.redis and self.config.celery_worker:
                self.celery_worker(shop_env)
            with Gunicorn(shop_env, "loadtest", workers=self.config.web_workers) as server:
                print(STEP_HEADER, flush=True)
                for users in self.config.steps:
                    sessions = {server.process.pid, *(worker.pid for worker in self.job_workers)}
                    step = self.step(users, server.base_url, stripe.url, catalog, tokens, sessions)
                    steps.append(step)
                    print(step_line(step), flush=True)
                    for example in step.error_examples[:ERRORS_SHOWN]:
                        print(f"      error: {example}", flush=True)
                    if not within_limit(step, self.config.p99_limit_ms):
                        break
        return steps

    def clean_up(self) -> None:
        for process in self.generators:
            if process.is_alive():
                process.terminate()
            process.join()
        while self.job_workers:
            process = self.job_workers.pop()
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for stored in self.beat_schedule.parent.glob(self.beat_schedule.name + "*"):
            stored.unlink(missing_ok=True)
        if self.env is not None and self.redis:
            helper(self.env, "redis_keys_delete")
        for name in self.databases:
            self.postgres.drop(name)
        self.databases.clear()


def report(steps: Sequence[StepSummary], limit_ms: float) -> list[str]:
    """The closing lines: the sustained step's figures (or why there is none) and the errors of every step."""
    errors = sum(step.errors for step in steps)
    sustained = sustained_step(steps, limit_ms)
    if sustained is None:
        lines = [f"sustained: none (the first step's p99 already passed {limit_ms:g} ms)"]
    else:
        lines = [
            f"sustained at {sustained.users} users (p99 {number(sustained.p99_ms, 1)} ms <= {limit_ms:g} ms): "
            f"{number(sustained.orders_per_second)} orders/s ({number(sustained.paid_per_second)} paid/s), "
            f"{number(sustained.catalog_per_second, 1)} catalog req/s, {number(sustained.requests_per_second, 1)} "
            "req/s in all"
        ]
        if sustained is steps[-1]:
            lines.append(f"  (no step passed {limit_ms:g} ms: add larger LOADTEST_STEPS to find the limit)")
    lines.append(f"errors: {errors}")
    return lines


def main() -> int:
    config = Config.from_env()
    interrupt_on_sigterm()
    started = time.perf_counter()
    postgres = Postgres.resolve()
    redis, redis_description = redis_url()
    print("Duka load test")
    print(f"  server:     gunicorn, sync workers x{config.web_workers}, DJANGO_DEBUG=0, on 127.0.0.1")
    print(f"  PostgreSQL: {postgres.description}, database {config.database_name}")
    print(f"  Redis:      {redis_description}")
    if not redis:
        jobs = "none (no Redis: jobs run in the request)"
    else:
        jobs = "a Celery worker with beat" if config.celery_worker else "none (LOADTEST_CELERY_WORKER=0: jobs wait)"
    print(f"  jobs:       {jobs}")
    print(f"  catalog:    seed --products {config.products}, stock {config.stock:,} each")
    print(
        f"  shoppers:   {', '.join(f'{name} {weight}%' for name, weight in SHOPPER_MIX)}, back to back, "
        f"in {config.processes} processes"
    )
    print(
        f"  steps:      {','.join(map(str, config.steps))} users, {config.warmup_seconds:g} s warm-up + "
        f"{config.step_seconds:g} s each, until p99 > {config.p99_limit_ms:g} ms"
    )
    load_test = LoadTest(config, postgres, redis)
    try:
        steps = load_test.run()
    finally:
        load_test.clean_up()
    print()
    for line in report(steps, config.p99_limit_ms):
        print(line)
    print(f"finished in {time.perf_counter() - started:.0f} s")
    return 1 if sum(step.errors for step in steps) else 0


if __name__ == "__main__":
    sys.exit(main())
