"""Read replicas and PgBouncer: the settings they add, and where the router sends each query.

The router is exercised inside `ReadRoutingMiddleware`, as a request runs it, with the real cache holding the
recent-writer marks. The many-server behaviour (a real replica, a real PgBouncer) is in test_cluster.py.
"""

import json

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.backends.postgresql.base import DatabaseWrapper
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from duka_app.databases import pooler_settings_apply
from duka_app.db_routing import PrimaryReplicaRouter, ReadRoutingMiddleware, primary_reads
from duka_app.tests.test_settings import REAL_SECRET_KEY, load_settings
from store.models import Cart, Category, Product

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "duka_app.ops.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
REPLICA_URLS = "postgres://reader@replica-1.internal:5432/duka,postgres://reader@replica-2.internal:6432/duka"
REPORT = (
    "import json\n"
    "from django.conf import settings\n"
    "print(json.dumps({'databases': settings.DATABASES, 'routers': settings.DATABASE_ROUTERS,\n"
    "    'middleware': settings.MIDDLEWARE, 'aliases': settings.DATABASE_REPLICA_ALIASES}, default=str))\n"
)

router = PrimaryReplicaRouter()


def loaded(**variables: str) -> dict:
    child = load_settings(REPORT, DJANGO_SECRET_KEY=REAL_SECRET_KEY, **variables)
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout)


def test_without_replicas_or_pooler_there_is_one_database_and_no_router():
    report = loaded()

    assert list(report["databases"]) == ["default"]
    assert report["routers"] == [] and report["aliases"] == []
    assert "duka_app.db_routing.ReadRoutingMiddleware" not in report["middleware"]
    assert "DISABLE_SERVER_SIDE_CURSORS" not in report["databases"]["default"]
    assert "prepare_threshold" not in report["databases"]["default"].get("OPTIONS", {})


def test_each_replica_url_adds_an_alias_that_mirrors_the_primary_in_tests():
    report = loaded(DATABASE_REPLICA_URLS=REPLICA_URLS, DATABASE_CONN_MAX_AGE="30")
    databases = report["databases"]

    assert report["aliases"] == ["replica_1", "replica_2"]
    assert (databases["replica_1"]["HOST"], databases["replica_2"]["PORT"]) == ("replica-1.internal", 6432)
    assert databases["replica_2"]["USER"] == "reader"
    assert all(databases[alias]["TEST"]["MIRROR"] == "default" for alias in report["aliases"])
    assert all(databases[alias]["CONN_MAX_AGE"] == 30 for alias in report["aliases"])
    assert report["routers"] == ["duka_app.db_routing.PrimaryReplicaRouter"]
    # After the security middleware, which resolves the client's address the marks are keyed by.
    middleware = report["middleware"]
    assert middleware.index("duka_app.db_routing.ReadRoutingMiddleware") == (
        middleware.index("core.middleware.RequestSecurityMiddleware") + 1
    )


def test_pgbouncer_turns_off_named_cursors_and_prepared_statements_on_every_database():
    databases = loaded(DATABASE_POOLER="pgbouncer", DATABASE_REPLICA_URLS=REPLICA_URLS)["databases"]

    for database in databases.values():
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert database["OPTIONS"]["prepare_threshold"] is None


def test_an_unknown_pooler_refuses_to_start():
    child = load_settings(DJANGO_SECRET_KEY=REAL_SECRET_KEY, DATABASE_POOLER="pgpool")

    assert child.returncode != 0
    assert "DATABASE_POOLER must be one of pgbouncer" in child.stderr


def prepared_statements_after_repeating_a_query(*, pooler: bool) -> int:
    """A connection of its own to the test database, set to prepare statements (server-side binding, psycopg's
    threshold of five runs): the statements left prepared on its server session after ten runs."""
    settings_dict = {**connection.settings_dict, "OPTIONS": {"server_side_binding": True, "prepare_threshold": 5}}
    if pooler:
        pooler_settings_apply(settings_dict)
    own = DatabaseWrapper(settings_dict, alias=DEFAULT_DB_ALIAS)
    try:
        with own.cursor() as cursor:
            for _ in range(10):
                cursor.execute("SELECT count(*) FROM store_product WHERE stock > %s", [1])
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]
    finally:
        own.close()


@pytest.mark.django_db
def test_with_the_pooler_settings_no_statement_is_prepared_on_the_server():
    """Through PgBouncer in transaction mode the next run of a prepared statement may land on a server connection
    that never saw it: the pooler settings keep prepared statements off whatever the OPTIONS ask."""
    assert prepared_statements_after_repeating_a_query(pooler=False) == 1
    assert prepared_statements_after_repeating_a_query(pooler=True) == 0


@pytest.fixture
def replicas(settings):
    settings.DATABASE_REPLICA_ALIASES = ["replica_1"]


def route(request, *models, wrote: list | None = None) -> list[str]:
    """The databases the router picks for reads of `models` while `request` runs through the middleware; with
    `wrote`, the request first writes a row of each of those models."""
    chosen = []

    def view(request):
        for model in wrote or []:
            router.db_for_write(model)
        chosen.extend(router.db_for_read(model) for model in models)
        return HttpResponse()

    ReadRoutingMiddleware(view)(request)
    return chosen


def get(ip: str = "198.51.100.1", user=None):
    request = RequestFactory().get("/api/products/", REMOTE_ADDR=ip)
    if user is not None:
        request.user = user
    return request


def post(ip: str = "198.51.100.1", user=None):
    request = RequestFactory().post("/api/cart/", REMOTE_ADDR=ip)
    if user is not None:
        request.user = user
    return request


def test_catalog_reads_of_a_get_request_go_to_a_replica_and_other_reads_to_the_primary(replicas):
    assert route(get(), Product, Category, Cart, User) == ["replica_1", "replica_1", "default", "default"]


def test_reads_outside_a_request_go_to_the_primary(replicas):
    assert router.db_for_read(Product) == DEFAULT_DB_ALIAS


def test_writes_go_to_the_primary(replicas):
    assert router.db_for_write(Product) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_reads_of_an_unsafe_request_go_to_the_primary(replicas, method):
    request = getattr(RequestFactory(), method)("/api/products/phone/", REMOTE_ADDR="198.51.100.1")

    assert route(request, Product) == ["default"]


def test_reads_after_a_write_in_the_same_request_go_to_the_primary(replicas):
    assert route(get(), Product, wrote=[Cart]) == ["default"]


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(replicas):
    def view(request):
        with transaction.atomic():
            chosen.append(router.db_for_read(Product))
        chosen.append(router.db_for_read(Product))
        return HttpResponse()

    chosen = []
    ReadRoutingMiddleware(view)(get())

    assert chosen == ["default", "replica_1"]


def test_after_a_write_the_same_address_reads_from_the_primary_and_others_from_a_replica(replicas):
    route(post(ip="198.51.100.1"), Product)

    assert route(get(ip="198.51.100.1"), Product) == ["default"]
    assert route(get(ip="198.51.100.2"), Product) == ["replica_1"]


def test_a_get_request_that_wrote_makes_its_client_a_recent_writer(replicas):
    route(get(ip="198.51.100.1"), Product, wrote=[Cart])

    assert route(get(ip="198.51.100.1"), Product) == ["default"]


def test_after_a_write_the_same_user_reads_from_the_primary_from_another_address(replicas):
    writer, other = User(pk=41, username="writer"), User(pk=42, username="other")
    route(post(ip="198.51.100.1", user=writer), Product)

    assert route(get(ip="198.51.100.9", user=writer), Product) == ["default"]
    assert route(get(ip="198.51.100.9", user=other), Product) == ["replica_1"]


def test_a_user_not_yet_authenticated_is_told_apart_by_address_only(replicas):
    writer = User(pk=41, username="writer")
    route(post(ip="198.51.100.1", user=writer), Product)
    unresolved = SimpleLazyObject(lambda: pytest.fail("the lazy user was evaluated"))

    assert route(get(ip="198.51.100.9", user=unresolved), Product) == ["replica_1"]


def test_one_request_reads_from_one_replica(settings):
    settings.DATABASE_REPLICA_ALIASES = ["replica_1", "replica_2", "replica_3"]

    per_request = [route(get(ip=f"198.51.100.{number}"), *[Product] * 10) for number in range(1, 31)]

    assert all(len(set(chosen)) == 1 for chosen in per_request)
    assert len({chosen[0] for chosen in per_request}) > 1


def test_while_the_cache_is_unreachable_every_client_reads_from_the_primary(replicas, settings):
    settings.CACHES = UNREACHABLE_CACHE

    assert route(get(ip="198.51.100.1"), Product) == ["default"]


def test_a_request_whose_answer_will_be_cached_reads_from_the_primary(replicas):
    chosen = []

    def view(request):
        chosen.append(router.db_for_read(Product))
        primary_reads()
        chosen.append(router.db_for_read(Product))
        return HttpResponse()

    ReadRoutingMiddleware(view)(get())

    assert chosen == ["replica_1", "default"]


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "store") is True
    assert router.allow_migrate("replica_1", "store") is False


def test_rows_of_the_primary_and_of_a_replica_may_be_related():
    assert router.allow_relation(Product(), Category()) is True
