"""Duka on several servers: two gunicorn instances, two Celery workers and one beat, all with production settings
(DEBUG off), on one PostgreSQL reached through PgBouncer in transaction mode, with a streaming read replica, and
one Redis.

`make test-cluster` (.ci/cluster) starts PgBouncer and the replica and runs this module with CLUSTER_PGBOUNCER_URL
and CLUSTER_REPLICA_URL (servers, without a database name: the stack uses this run's test database on them);
without CLUSTER_PGBOUNCER_URL it is skipped. Without CLUSTER_REPLICA_URL the stack runs without replicas and the
replica checks are skipped.
"""

import os
import re
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from bench import prepare
from bench.load import burst, request
from bench.stack import BENCH_SECRET_KEY, Environment, Gunicorn, with_database
from duka_app.celery import app as celery_app
from duka_app.tests.processes import beat_start, redis_answers, worker_start, worker_stop
from store.models import OrderItem, Product

PGBOUNCER_URL = os.environ.get("CLUSTER_PGBOUNCER_URL", "")
REPLICA_URL = os.environ.get("CLUSTER_REPLICA_URL", "")
WEB_PORTS = [int(port) for port in os.environ.get("CLUSTER_WEB_PORTS", "").split()] or [None, None]
# Every periodic job runs at this period in the stack, so a run of a few periods sees each one several times.
BEAT_PERIOD_SECONDS = 3.0
# The bound on how late another server refuses a newly blacklisted address (BLACKLIST_LOCAL_TTL_SECONDS is 0.5).
BLACKLIST_REACH_SECONDS = 1.0

pytestmark = [
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.skipif(not PGBOUNCER_URL, reason="CLUSTER_PGBOUNCER_URL is unset: run by `make test-cluster`"),
]


class Stack:
    def __init__(self, tmp: Path, database: str) -> None:
        self.tmp = tmp
        self.database = database
        replicas = {"DATABASE_REPLICA_URLS": with_database(REPLICA_URL, database)} if REPLICA_URL else {}
        self.env = Environment(
            with_database(PGBOUNCER_URL, database),
            settings.REDIS_URL,
            {
                "DJANGO_SETTINGS_MODULE": "duka_app.settings",
                "DATABASE_POOLER": "pgbouncer",
                "REDIS_CACHE_URL": settings.REDIS_CACHE_URL,
                # One proxy in front: clients are told apart by X-Forwarded-For, as behind a load balancer.
                "TRUSTED_PROXY_COUNT": "1",
                "BEAT_PERIOD_SECONDS": str(BEAT_PERIOD_SECONDS),
                "EMAIL_URL": "consolemail://",
                "LOG_LEVEL": "INFO",
                **replicas,
            },
        )
        self.processes = []
        self.servers: list[Gunicorn] = []

    def start(self) -> None:
        variables = self.env.variables()
        for name in ("worker-1", "worker-2"):
            self.processes.append(worker_start(log=self.tmp / f"{name}.log", name=name, **variables))
        self.processes.append(
            beat_start(
                log=self.tmp / "beat.log",
                schedule=self.tmp / "celerybeat-schedule",
                loglevel="DEBUG",
                **variables,
            )
        )
        self.beat_started_at = time.time()
        for label, port in zip("AB", WEB_PORTS, strict=True):
            self.servers.append(Gunicorn(self.env, f"cluster-{label}", port=port, ready_path="/api/health/"))

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        for process in self.processes:
            worker_stop(process)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text()

    @property
    def a(self) -> str:
        return self.servers[0].base_url

    @property
    def b(self) -> str:
        return self.servers[1].base_url


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if not settings.REDIS_URL or not redis_answers(settings.REDIS_URL):
        pytest.fail("the cluster stage needs a Redis that answers at REDIS_URL")
    running = Stack(tmp_path_factory.mktemp("cluster"), connection.settings_dict["NAME"])
    try:
        running.start()
        yield running
    finally:
        running.stop()
        # PgBouncer keeps its server connections to the test database, which the test run drops next.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [running.database],
            )


def token_for(user) -> str:
    """An access token the stack accepts: signed with the stack's key, not this process's."""
    return TokenBackend(settings.SIMPLE_JWT.get("ALGORITHM", "HS256"), BENCH_SECRET_KEY).encode(
        AccessToken.for_user(user).payload
    )


def forwarded(ip: str) -> dict:
    return {"X-Forwarded-For": ip}


def manager_token() -> str:
    return token_for(UserFactory(manager=True))


def wait_for(condition, *, seconds: float, interval: float = 0.3, message: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message)


@pytest.mark.django_db(transaction=True)
def test_an_ip_blacklisted_through_one_server_is_refused_by_the_other_within_a_second(stack):
    token = manager_token()
    address = "203.0.113.7"
    # B has read the (empty) blacklist, and keeps it for a moment, before A lists the address.
    assert request(stack.b, "GET", "/api/products/", headers=forwarded(address)).status == 200

    listed = request(stack.a, "POST", "/api/security/blacklist/", token=token, body={"ip": address})
    listed_at = time.monotonic()
    assert listed.status == 201, listed.body

    served_after, late = [], []
    while len(late) < 10:
        sent_at = time.monotonic() - listed_at
        status = request(stack.b, "GET", "/api/products/", headers=forwarded(address)).status
        if status == 200:
            served_after.append(sent_at)
        if sent_at >= BLACKLIST_REACH_SECONDS:
            late.append(status)
    assert late == [403] * 10, f"B still served {address} {BLACKLIST_REACH_SECONDS} s after A listed it: {late}"
    if served_after:
        print(f"B last served the address {max(served_after):.3f} s after A listed it")
    else:
        print("B refused the address from its first request after A listed it")


@pytest.mark.django_db(transaction=True)
def test_request_logs_sent_to_both_servers_are_counted_once_on_the_dashboard(stack):
    token = manager_token()
    address, to_a, to_b = "198.51.100.23", 7, 8
    for base_url, count in ((stack.a, to_a), (stack.b, to_b)):
        for _ in range(count):
            assert request(base_url, "GET", "/api/products/", headers=forwarded(address)).status == 200

    def counted() -> int:
        response = request(stack.b, "GET", "/api/security/dashboard/?top_n=100", token=token)
        assert response.status == 200, response.body
        return sum(row["count"] for row in response.json()["top_ips"] if row["ip"] == address)

    wait_for(
        lambda: counted() >= to_a + to_b,
        seconds=10 * BEAT_PERIOD_SECONDS,
        message=f"the dashboard never counted the {to_a + to_b} requests from {address}",
    )
    # Two more drains run on the workers: nothing is counted twice.
    time.sleep(2 * BEAT_PERIOD_SECONDS + 1)
    assert counted() == to_a + to_b


@pytest.mark.django_db(transaction=True)
def test_a_catalog_write_through_one_server_is_read_back_through_the_other_at_once(stack):
    token = manager_token()
    slug = Product.objects.get(pk=prepare.products(count=1, stock=5, label="visible")["ids"][0]).slug
    for cents in range(10, 30):
        price = f"{cents}.50"
        patched = request(stack.a, "PATCH", f"/api/products/{slug}/", token=token, body={"price": price})
        assert patched.status == 200, patched.body
        read_back = request(stack.b, "GET", f"/api/products/{slug}/", token=token)
        assert read_back.status == 200
        assert Decimal(read_back.json()["price"]) == Decimal(price)


def replica_product_scans(database: str) -> int:
    """Scans of the product table executed on the replica (its own statistics; replayed writes scan nothing)."""
    with psycopg.connect(with_database(REPLICA_URL, database).replace("postgres://", "postgresql://", 1)) as replica:
        row = replica.execute(
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = %s",
            ["store_product"],
        ).fetchone()
    return row[0]


@pytest.mark.django_db(transaction=True)
def test_a_writer_reads_from_the_primary_and_other_clients_from_the_replica(stack):
    if not REPLICA_URL:
        pytest.skip("CLUSTER_REPLICA_URL is unset: the stage could not start a replica (see its output)")
    token = manager_token()
    slug = Product.objects.get(pk=prepare.products(count=1, stock=5, label="replica")["ids"][0]).slug
    before = replica_product_scans(stack.database)

    # The manager writes through A and reads through B, over and over: never a stale price.
    for cents in range(10, 30):
        price = f"{cents}.25"
        assert request(stack.a, "PATCH", f"/api/products/{slug}/", token=token, body={"price": price}).status == 200
        assert Decimal(request(stack.b, "GET", f"/api/products/{slug}/", token=token).json()["price"]) == Decimal(price)
    # Backends report their statistics within a second of going idle.
    time.sleep(2)
    assert replica_product_scans(stack.database) == before, "a recent writer's catalog reads reached the replica"

    # Another client, which never wrote, is served by the replica; it sees the write once the replica replayed it.
    # Its query is one the response cache does not keep (an unknown parameter, as a search would be): answers
    # the cache stores are read from the primary, so that none shows less than the version it is stored under.
    seen = []

    def reader_sees_last_price() -> bool:
        response = request(stack.b, "GET", f"/api/products/{slug}/?from=replica", headers=forwarded("198.51.100.77"))
        seen.append((response.status, response.json().get("price")))
        return response.status == 200 and Decimal(response.json()["price"]) == Decimal("29.25")

    wait_for(reader_sees_last_price, seconds=10, message=f"the replica never showed the last price: {seen[-3:]}")

    # A backend reports its statistics when a transaction ends at least a second after its last report, or
    # after ten idle seconds: each poll reads once more, so the replica's backend reports what it has served.
    def replica_served_reads() -> bool:
        reader_sees_last_price()
        return replica_product_scans(stack.database) > before

    wait_for(replica_served_reads, seconds=15, message="another client's catalog reads were not served by the replica")


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_on_both_servers_for_ten_units_buy_exactly_ten(stack):
    product_id = prepare.products(count=1, stock=10, label="race")["ids"][0]
    buyers = User.objects.filter(pk__in=[buyer["id"] for buyer in prepare.buyers(count=50)["buyers"]])
    tokens = [token_for(user) for user in buyers]
    servers = [stack.a, stack.b]

    filled = burst(servers, "POST", "/api/cart/", tokens, [{"product_id": product_id, "quantity": 1}] * len(tokens))
    assert set(filled.statuses) <= {200, 201}, Counter(filled.statuses)
    checkouts = burst(servers, "POST", "/api/checkout/", tokens, [{}] * len(tokens))

    assert Counter(checkouts.statuses) == {201: 10, 409: 40}
    assert Product.objects.get(pk=product_id).stock == 0
    assert sum(OrderItem.objects.filter(product_id=product_id).values_list("quantity", flat=True)) == 10


SENT = re.compile(r"(?P<task>[\w.]+) sent\. id->(?P<id>[0-9a-f-]{36})")
SUCCEEDED = re.compile(r"Task (?P<task>[\w.]+)\[(?P<id>[0-9a-f-]{36})\] succeeded")


def test_each_scheduled_job_runs_once_per_period_with_two_workers(stack):
    """Beat sends each job once per period; of the two workers consuming the queue, exactly one runs each send."""
    time.sleep(max(0.0, stack.beat_started_at + 5 * BEAT_PERIOD_SECONDS - time.time()))
    sent = [match.groupdict() for match in SENT.finditer(stack.log("beat"))]
    periods = (time.time() - stack.beat_started_at) / BEAT_PERIOD_SECONDS
    # The last sends may still be on their way to a worker.
    time.sleep(2 * BEAT_PERIOD_SECONDS)
    runs = {name: SUCCEEDED.findall(stack.log(name)) for name in ("worker-1", "worker-2")}

    runs_per_id = Counter(job_id for worker_runs in runs.values() for _, job_id in worker_runs)
    assert [job_id for job_id, count in runs_per_id.items() if count > 1] == [], "a job ran twice"
    assert [send for send in sent if send["id"] not in runs_per_id] == [], "jobs were sent but never ran"
    assert all(runs.values()), {name: len(worker_runs) for name, worker_runs in runs.items()}
    sends_per_job = Counter(send["task"] for send in sent)
    assert set(sends_per_job) == {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    # Once per period at most: beat sends every job at start-up, then each period. A busy machine delays sends
    # (each period counts from the last send), so fewer only shows that every job kept running.
    assert all(periods / 2 <= count <= periods + 1 for count in sends_per_job.values()), (periods, sends_per_job)
