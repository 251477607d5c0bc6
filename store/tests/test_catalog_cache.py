import threading
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import ROLES_WITHOUT_OWNER
from core.blacklist import blacklist_add
from core.models import RequestLog
from core.request_logs import request_logs_drain
from store.catalog_cache import answer_key, catalog_version, catalog_version_bump, query_normalised
from store.jobs import product_image_renditions_make
from store.middleware import CATALOG_PATH_PREFIXES
from store.models import Attribute, Order, Product, Review, StockMovement
from store.services.attributes import attribute_create, attribute_value_update, product_attributes_set
from store.services.catalog import category_update, product_stock_move
from store.services.images import product_image_add
from store.services.orders import order_cancel
from store.services.reviews import product_ratings_refresh, review_hidden_set
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.images import image_bytes, upload
from store.tests.shopping import place_order
from store.views.cached import CatalogCachedReads

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "duka_app.ops.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def shoes(db):
    return CategoryFactory(name="Shoes", slug="shoes")


@pytest.fixture
def boot(shoes):
    return ProductFactory(name="Boot", slug="boot", category=shoes, price=Decimal("80.00"), stock=5)


@pytest.fixture
def hidden_review(boot):
    review = Review.objects.create(product=boot, user=UserFactory(), rating=2, is_hidden=True)
    Review.objects.create(product=boot, user=UserFactory(), rating=5)
    product_ratings_refresh(product_ids=[boot.pk])
    return review


def catalog_urls(boot, shoes) -> list[str]:
    return [
        "/api/categories/",
        f"/api/categories/{shoes.pk}/",
        "/api/products/",
        "/api/products/?category_slug=shoes&ordering=price",
        "/api/products/boot/",
        "/api/products/facets/",
        "/api/products/boot/reviews/",
    ]


@pytest.fixture
def own_queries(settings):
    """Counts only the endpoint's queries: request logging off, the blacklist snapshot loaded beforehand."""
    settings.REQUEST_LOGGING_ENABLED = False

    def count(call) -> tuple[object, int]:
        with CaptureQueriesContext(connection) as queries:
            result = call()
        return result, len(queries)

    return count


@pytest.mark.django_db
def test_a_repeated_anonymous_read_is_answered_from_the_cache_without_queries(api_client, boot, shoes, own_queries):
    for url in catalog_urls(boot, shoes):
        first, first_queries = own_queries(lambda: api_client.get(url))  # noqa: B023
        again, again_queries = own_queries(lambda: api_client.get(url))  # noqa: B023

        assert first.status_code == again.status_code == 200, url
        assert first_queries > 0 and again_queries == 0, url
        assert again.content == first.content
        assert again["ETag"] == first["ETag"]
        assert again["Content-Type"] == first["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_customers_and_anonymous_visitors_share_entries_but_not_the_cache_control(client_as, boot, shoes, own_queries):
    shopper = client_as("customer")
    anonymous = client_as("anonymous").get("/api/products/boot/")
    customer, queries = own_queries(lambda: shopper.get("/api/products/boot/"))

    assert queries == 0
    assert customer.content == anonymous.content
    assert anonymous["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert customer["Cache-Control"] == "private, no-cache"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_every_role_gets_an_etag_and_the_headers_of_its_kind(client_as, boot, shoes, role, settings):
    settings.CATALOG_CACHE_MAX_AGE_SECONDS, settings.CATALOG_CACHE_STALE_WHILE_REVALIDATE_SECONDS = 7, 11
    for url in catalog_urls(boot, shoes):
        response = client_as(role).get(url)

        assert response.status_code == 200
        assert response["ETag"].startswith('"') and len(response["ETag"]) == 34
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Accept", "Authorization", "Cookie"} <= vary
        expected = "public, max-age=7, stale-while-revalidate=11" if role == "anonymous" else "private, no-cache"
        assert response["Cache-Control"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_read_the_database_every_time_and_store_nothing(
    client_as, boot, shoes, hidden_review, own_queries, role
):
    ProductFactory(name="Draft", slug="draft", category=shoes, is_active=False)
    staff = client_as(role)
    for url in ("/api/products/", "/api/products/boot/reviews/", "/api/categories/"):
        staff.get(url)
        _, queries = own_queries(lambda: staff.get(url))  # noqa: B023
        assert queries > 0

    # What managers see (the inactive product, the hidden review, counts with both) never reaches anyone else.
    assert sorted(p["slug"] for p in staff.get("/api/products/").json()["results"]) == ["boot", "draft"]
    assert [p["slug"] for p in client_as("anonymous").get("/api/products/").json()["results"]] == ["boot"]
    assert len(staff.get("/api/products/boot/reviews/").json()["results"]) == 2
    assert [r["rating"] for r in client_as("customer").get("/api/products/boot/reviews/").json()["results"]] == [5]
    assert client_as("anonymous").get("/api/categories/").json()["results"][0]["product_count"] == 1
    assert staff.get("/api/categories/").json()["results"][0]["product_count"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_a_matching_if_none_match_is_a_304_without_a_body(client_as, boot, role):
    client = client_as(role)
    etag = client.get("/api/products/boot/")["ETag"]

    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get("/api/products/boot/", HTTP_IF_NONE_MATCH=sent)
        assert response.status_code == 304, sent
        assert response.content == b""
        assert response["ETag"] == etag
        assert "Cache-Control" in response

    other = client.get("/api/products/boot/", HTTP_IF_NONE_MATCH='"not-this-one"')
    assert other.status_code == 200
    assert other["ETag"] == etag


@pytest.mark.django_db
def test_after_a_write_the_old_etag_gets_the_new_answer(client_as, boot):
    client = client_as("anonymous")
    etag = client.get("/api/products/boot/")["ETag"]

    client_as("manager").patch("/api/products/boot/", {"price": "70.00"}, format="json")
    response = client.get("/api/products/boot/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response.json()["price"] == "70.00"
    assert response["ETag"] != etag


@pytest.mark.django_db
def test_the_order_of_the_query_parameters_makes_no_other_entry(api_client, boot, shoes, own_queries):
    first = api_client.get("/api/products/?ordering=-price&page_size=5&category_slug=shoes")
    reordered = "/api/products/?category_slug=shoes&page_size=5&ordering=-price"
    same, queries = own_queries(lambda: api_client.get(reordered))
    other, other_queries = own_queries(lambda: api_client.get("/api/products/?category_slug=shoes&page_size=6"))

    assert queries == 0 and same.json() == first.json()
    assert other_queries > 0 and other.status_code == 200


def test_keys_normalise_the_query_and_tell_apart_what_changes_the_answer():
    assert query_normalised("b=2&a=1&a=0&c=") == "a=1&a=0&b=2&c="
    assert query_normalised("page=1&page=2") != query_normalised("page=2&page=1")
    products = "http://testserver/api/products/"

    def key(url=products, query_string="a=1&b=2", media_type="application/json") -> str:
        return answer_key(url=url, query_string=query_string, media_type=media_type)

    assert key(query_string="b=2&a=1") == key()
    assert key(url="http://example.com/api/products/") != key()
    assert key(query_string="a=1&b=3") != key()
    assert key(media_type="text/html") != key()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"search": "boot"}, {"utm_source": "mail"}, {"category_slug": "shoes", "x": "1"}],
    ids=["search", "unknown-parameter", "known-and-unknown"],
)
def test_searches_and_unknown_parameters_are_answered_but_not_stored(api_client, boot, shoes, own_queries, query):
    first, _ = own_queries(lambda: api_client.get("/api/products/", query))
    again, queries = own_queries(lambda: api_client.get("/api/products/", query))

    assert first.status_code == again.status_code == 200 and "ETag" in again
    assert queries > 0


@pytest.mark.django_db
def test_known_filters_pages_and_attribute_filters_are_stored(api_client, boot, shoes, own_queries):
    query = {"category_slug": "shoes", "page": "1", "page_size": "5", "ordering": "price"}
    api_client.get("/api/products/", query)

    _, queries = own_queries(lambda: api_client.get("/api/products/", query))

    assert queries == 0


@pytest.mark.django_db
def test_a_release_migrate_retires_every_stored_answer(api_client, boot, own_queries):
    api_client.get("/api/products/boot/")
    before = catalog_version()

    call_command("migrate", verbosity=0)

    assert catalog_version() != before
    _, queries = own_queries(lambda: api_client.get("/api/products/boot/"))
    assert queries > 0


@pytest.mark.django_db
def test_an_answer_stored_under_an_older_version_is_read_again_then_stored_anew(api_client, boot, own_queries):
    api_client.get("/api/products/boot/")
    catalog_version_bump()

    _, after_bump = own_queries(lambda: api_client.get("/api/products/boot/"))
    _, again = own_queries(lambda: api_client.get("/api/products/boot/"))

    assert after_bump > 0 and again == 0


@pytest.mark.django_db
def test_an_error_is_never_cached(api_client, boot, own_queries):
    assert api_client.get("/api/products/nowhere/").status_code == 404
    missing, queries = own_queries(lambda: api_client.get("/api/products/nowhere/"))
    assert missing.status_code == 404 and queries > 0
    bad = api_client.get("/api/products/?min_price=cheap")
    assert bad.status_code == 400 and "ETag" not in bad


@pytest.mark.django_db
def test_switched_off_every_read_queries_the_database_and_still_carries_an_etag(
    api_client, boot, own_queries, settings
):
    settings.CATALOG_CACHE_ENABLED = False
    etag = api_client.get("/api/products/boot/")["ETag"]

    again, queries = own_queries(lambda: api_client.get("/api/products/boot/", HTTP_IF_NONE_MATCH=etag))

    assert queries > 0
    assert again.status_code == 304


@pytest.mark.django_db
def test_with_redis_unreachable_the_catalog_is_answered_from_the_database(api_client, boot, shoes):
    with override_settings(CACHES=UNREACHABLE_CACHE):
        assert catalog_version() is None
        for url in catalog_urls(boot, shoes):
            response = api_client.get(url)
            assert response.status_code == 200, url
            assert api_client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
        catalog_version_bump()  # a write while Redis is down carries on
        client = APIClient()
        client.force_authenticate(UserFactory(manager=True))
        assert client.patch("/api/products/boot/", {"price": "60.00"}, format="json").status_code == 200
        assert api_client.get("/api/products/boot/").json()["price"] == "60.00"


@pytest.mark.django_db
def test_a_blacklisted_ip_is_refused_and_every_hit_is_logged(api_client, boot, django_capture_on_commit_callbacks):
    api_client.get("/api/products/boot/")
    with django_capture_on_commit_callbacks(execute=True):
        blacklist_add(ip="203.0.113.7", reason="abuse")
    request_logs_drain()
    RequestLog.objects.all().delete()

    assert api_client.get("/api/products/boot/", REMOTE_ADDR="203.0.113.7").status_code == 403
    assert api_client.get("/api/products/boot/", REMOTE_ADDR="203.0.113.8").status_code == 200
    assert api_client.get("/api/products/boot/", REMOTE_ADDR="203.0.113.8").status_code == 200
    request_logs_drain()
    request_logs_drain()

    assert sorted(RequestLog.objects.values_list("ip", "status_code")) == [
        ("203.0.113.7", 403),
        ("203.0.113.8", 200),
        ("203.0.113.8", 200),
    ]


def _stock_adjusted(boot, manager):
    product_stock_move(product=boot, delta=3, reason=StockMovement.Reason.ADJUSTMENT, actor=manager)


def _bought(boot, manager):
    place_order(UserFactory(), (boot, 2))


def _cancelled(boot, manager):
    order = place_order(UserFactory(), (boot, 2))
    place_order(UserFactory(), (boot, 1))
    read_twice(boot)
    order_cancel(order_id=order.pk, by=manager)


def _review_hidden(boot, manager):
    review = Review.objects.create(product=boot, user=UserFactory(), rating=1)
    Review.objects.create(product=boot, user=UserFactory(), rating=4)
    product_ratings_refresh(product_ids=[boot.pk])
    read_twice(boot)
    review_hidden_set(review=review, is_hidden=True, by=manager)


def _category_renamed(boot, manager):
    category_update(category=boot.category, name="Footwear")


def _attribute_set(boot, manager):
    attribute_create(name="Colour", categories=[boot.category])
    read_twice(boot)
    colour = Attribute.objects.get(slug="colour")
    colour.values.create(value="Red", slug="red")
    product_attributes_set(product=boot, values={"colour": "red"})


def _attribute_value_renamed(boot, manager):
    _attribute_set(boot, manager)
    read_twice(boot)
    attribute_value_update(attribute_value=Attribute.objects.get(slug="colour").values.get(), value="Crimson")


def _saved_as_the_admin_does(boot, manager):
    product = Product.objects.get(pk=boot.pk)
    product.description = "Waterproof"
    product.save()


def read_twice(boot) -> dict:
    client = APIClient()
    client.get("/api/products/boot/")
    return client.get("/api/products/boot/").json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("write", "field", "expected"),
    [
        (_stock_adjusted, "stock", 8),
        (_bought, "stock", 3),
        (_cancelled, "stock", 4),
        (_review_hidden, "rating_count", 1),
        (_category_renamed, "category", {"id": None, "name": "Footwear", "slug": "shoes"}),
        (_attribute_set, "attributes", ["Red"]),
        (_attribute_value_renamed, "attributes", ["Crimson"]),
        (_saved_as_the_admin_does, "description", "Waterproof"),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_every_catalog_write_reaches_the_next_read(boot, manager, write, field, expected):
    assert read_twice(boot)[field] != expected

    write(boot, manager)
    shown = read_twice(boot)[field]

    if field == "category":
        expected["id"] = boot.category_id
    if field == "attributes":
        shown = [value["label"] for value in shown]
    assert shown == expected


@pytest.mark.django_db
def test_the_renditions_job_reaches_the_next_read(boot, media_root):
    content = image_bytes(size=(800, 600))
    image = product_image_add(product=boot, file=upload(content), size=len(content))
    assert read_twice(boot)["images"][0]["renditions"] == []

    product_image_renditions_make(image_id=image.pk)

    assert [rendition["width"] for rendition in read_twice(boot)["images"][0]["renditions"]] == [200, 600]


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_a_committed_stock_change_is_seen_by_every_read_that_starts_after_it(shoes):
    """A reader keeps asking for the product while a writer sells it unit by unit. Every answer shows at most
    the stock left by the sales that had returned (committed, version replaced) before that request started."""
    boot = ProductFactory(name="Boot", slug="boot", category=shoes, stock=30)
    sales_returned = 0
    answers: list[tuple[int, int]] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def sell() -> None:
        nonlocal sales_returned
        try:
            for _ in range(15):
                product_stock_move(product=boot, delta=-1, reason=StockMovement.Reason.ADJUSTMENT, actor=None)
                sales_returned += 1
        except BaseException as error:
            errors.append(error)
        finally:
            done.set()
            connection.close()

    def read() -> None:
        client = APIClient()
        try:
            while not done.is_set() or len(answers) < 5:
                returned_before = sales_returned
                answers.append((returned_before, client.get("/api/products/boot/").json()["stock"]))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sell), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert all(stock <= 30 - returned_before for returned_before, stock in answers), answers
    assert APIClient().get("/api/products/boot/").json()["stock"] == 15
    assert Order.objects.count() == 0


# -- the hit path (store.middleware.CatalogCacheHitMiddleware) ----------------------------------------------------

HIT_PATH = "store.middleware.CatalogCacheHitMiddleware"


def answered_by_the_hit_path(response) -> bool:
    """The hit path answers before the authentication middleware, which gives every other request its `user`."""
    return not hasattr(response.wsgi_request, "user")


@pytest.fixture
def view_client(settings):
    """`view_client()` is an anonymous client of a stack without the hit path: every read reaches the view."""

    def make() -> APIClient:
        settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != HIT_PATH]
        return APIClient()

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "head"])
@pytest.mark.parametrize("accept", [None, "*/*", "application/json"], ids=["no-accept", "any", "json"])
def test_a_stored_anonymous_read_is_answered_by_the_hit_path_exactly_as_the_view_answers_it(
    api_client, view_client, boot, shoes, settings, method, accept
):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
    headers = {"HTTP_ORIGIN": "https://shop.example", **({"HTTP_ACCEPT": accept} if accept else {})}
    urls = [*catalog_urls(boot, shoes), "/api/products/?ordering=price&category_slug=shoes"]
    for url in urls:
        api_client.get(url)
    hits = {url: getattr(api_client, method)(url, **headers) for url in urls}
    etags = {url: hit["ETag"] for url, hit in hits.items()}
    not_modified = {url: api_client.get(url, HTTP_IF_NONE_MATCH=etag, **headers) for url, etag in etags.items()}

    view = view_client()
    for url in urls:
        from_view = getattr(view, method)(url, **headers)
        not_modified_by_view = view.get(url, HTTP_IF_NONE_MATCH=etags[url], **headers)

        assert answered_by_the_hit_path(hits[url]) and answered_by_the_hit_path(not_modified[url]), url
        assert not answered_by_the_hit_path(from_view), url
        assert (hits[url].status_code, hits[url].content) == (from_view.status_code, from_view.content), url
        assert dict(hits[url].items()) == dict(from_view.items()), url
        assert not_modified[url].status_code == not_modified_by_view.status_code == 304, url
        assert dict(not_modified[url].items()) == dict(not_modified_by_view.items()), url
    assert hits["/api/products/boot/"]["Access-Control-Allow-Origin"] == "https://shop.example"
    assert hits["/api/products/boot/"]["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"


@pytest.mark.django_db
def test_a_query_in_another_order_is_the_same_hit(api_client, boot, shoes):
    api_client.get("/api/products/?ordering=price&category_slug=shoes")

    hit = api_client.get("/api/products/?category_slug=shoes&ordering=price")

    assert answered_by_the_hit_path(hit) and hit.status_code == 200


def _customer(client_as, client):
    return client_as("customer")


def _manager(client_as, client):
    return client_as("manager")


def _manager_by_session(client_as, client):
    client.force_login(UserFactory(manager=True))
    return client


def _bad_token(client_as, client):
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asker", "request_headers"),
    [
        (_customer, {}),
        (_manager, {}),
        (_manager_by_session, {}),
        (_bad_token, {}),
        (None, {"HTTP_ACCEPT": "application/json; indent=4"}),
        (None, {"HTTP_ACCEPT": "text/html"}),
        (None, {"HTTP_ACCEPT": ""}),
    ],
    ids=["customer", "manager", "manager-by-session", "bad-token", "indented-json", "html", "empty-accept"],
)
def test_credentials_and_other_media_types_go_to_the_view(api_client, client_as, boot, shoes, asker, request_headers):
    ProductFactory(name="Draft", slug="draft", category=shoes, is_active=False)
    api_client.get("/api/products/")
    client = asker(client_as, APIClient()) if asker else APIClient()

    response = client.get("/api/products/", **request_headers)

    assert not answered_by_the_hit_path(response)
    if asker in (_manager, _manager_by_session):
        assert sorted(p["slug"] for p in response.json()["results"]) == ["boot", "draft"]
    if asker is _bad_token:
        assert response.status_code == 401
    if request_headers.get("HTTP_ACCEPT") == "":
        assert response.status_code == 406


@pytest.mark.django_db
def test_writes_go_to_the_view(api_client, boot):
    api_client.get("/api/products/boot/")

    response = api_client.patch("/api/products/boot/", {"price": "1.00"}, format="json")

    assert response.status_code == 401 and not answered_by_the_hit_path(response)
    assert Product.objects.get(pk=boot.pk).price == Decimal("80.00")


@pytest.mark.django_db
def test_a_write_retires_the_hit(api_client, client_as, boot):
    api_client.get("/api/products/boot/")
    assert answered_by_the_hit_path(api_client.get("/api/products/boot/"))

    client_as("manager").patch("/api/products/boot/", {"price": "70.00"}, format="json")
    after = api_client.get("/api/products/boot/")
    again = api_client.get("/api/products/boot/")

    assert not answered_by_the_hit_path(after) and after.json()["price"] == "70.00"
    assert answered_by_the_hit_path(again) and again.content == after.content


@pytest.mark.django_db
def test_a_blacklisted_ip_is_refused_on_a_hit_and_the_hit_is_logged(
    api_client, boot, django_capture_on_commit_callbacks
):
    api_client.get("/api/products/boot/")
    with django_capture_on_commit_callbacks(execute=True):
        blacklist_add(ip="203.0.113.7", reason="abuse")
    request_logs_drain()
    RequestLog.objects.all().delete()

    refused = api_client.get("/api/products/boot/", REMOTE_ADDR="203.0.113.7")
    hit = api_client.get("/api/products/boot/", REMOTE_ADDR="203.0.113.8", HTTP_USER_AGENT="shop/1.0")
    request_logs_drain()

    assert refused.status_code == 403 and refused.json()["code"] == "ip_blacklisted"
    assert hit.status_code == 200 and answered_by_the_hit_path(hit)
    assert sorted(RequestLog.objects.values_list("ip", "method", "path", "status_code", "user_id", "user_agent")) == [
        ("203.0.113.7", "GET", "/api/products/boot/", 403, None, ""),
        ("203.0.113.8", "GET", "/api/products/boot/", 200, None, "shop/1.0"),
    ]


@pytest.mark.django_db
def test_with_redis_unreachable_reads_pass_the_hit_path_to_the_view(api_client, boot):
    api_client.get("/api/products/boot/")
    with override_settings(CACHES=UNREACHABLE_CACHE):
        response = api_client.get("/api/products/boot/")

    assert response.status_code == 200 and not answered_by_the_hit_path(response)
    assert response.json()["slug"] == "boot"


@pytest.mark.django_db
def test_switched_off_the_hit_path_answers_nothing(api_client, boot, settings):
    api_client.get("/api/products/boot/")
    settings.CATALOG_CACHE_ENABLED = False

    assert not answered_by_the_hit_path(api_client.get("/api/products/boot/"))


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^")
        if hasattr(pattern, "url_patterns"):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route, getattr(pattern.callback, "cls", None)


def test_every_cached_view_is_routed_under_the_hit_paths_prefixes_and_throttles_no_read():
    """The hit path looks only under CATALOG_PATH_PREFIXES, and answers before DRF's throttles: a throttle on a
    cached read would have to move into it."""
    cached = [(route, view) for route, view in _routes(get_resolver().url_patterns) if _is_cached_view(view)]

    assert {view.__name__ for _, view in cached} == {"CategoryViewSet", "ProductViewSet", "ReviewViewSet"}
    for route, view in cached:
        assert ("/" + route).startswith(CATALOG_PATH_PREFIXES), route
        for action in view.cached_actions:
            assert view(action=action, kwargs={}).get_throttles() == [], (view, action)


def _is_cached_view(view) -> bool:
    return isinstance(view, type) and issubclass(view, CatalogCachedReads)


@contextmanager
def redis_commands_watched():
    """The commands the cache's Redis database receives while the block runs (the server's MONITOR feed)."""
    watcher = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"], socket_timeout=10)
    database = watcher.connection_pool.connection_kwargs.get("db", 0)
    end = f"watch-end-{uuid.uuid4().hex}"
    commands = []
    with watcher, watcher.monitor() as monitor:
        yield lambda: commands
        watcher.echo(end)
        for entry in monitor.listen():
            if entry["command"] == f"ECHO {end}":
                break
            if entry["db"] == database:
                commands.append(entry["command"])


@pytest.mark.django_db
@pytest.mark.skipif(not django_settings.REDIS_URL, reason="counts the MGETs a real Redis server receives")
def test_an_anonymous_miss_reads_redis_once_and_the_hit_that_follows_once(api_client, boot):
    with redis_commands_watched() as commands:
        miss = api_client.get("/api/products/boot/")
        hit = api_client.get("/api/products/boot/")

    assert not answered_by_the_hit_path(miss) and answered_by_the_hit_path(hit)
    answer_entry = miss.wsgi_request.catalog_answer_missed.key
    assert len([command for command in commands() if command.startswith("MGET ") and answer_entry in command]) == 2
