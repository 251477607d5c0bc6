"""Data set-up and checks the benchmark runs inside Django: `python -m bench.prepare <action> '<json>'`.

Run as a subprocess with the environment of the database it works on; prints one JSON line. Users are
created without a password hash and get access tokens minted directly (the login endpoint is throttled
per IP, and hashing 50 passwords would dominate the set-up time).
"""

import json
import random
import sys
from collections import Counter
from decimal import Decimal

import django

# Product names and descriptions of the fallback catalog are drawn from these words.
NAME_WORDS = (
    "alpine amber aurora basalt bamboo canvas cedar cobalt copper coral cotton crystal denim ebony ember "
    "falcon fjord garnet granite harbor indigo ivory jasper juniper lagoon linen maple marble meadow nomad "
    "oak onyx orchid pebble pine quartz raven saffron sage sierra slate spruce summit tundra velvet willow"
)
ITEM_WORDS = (
    "backpack blender bottle candle chair desk headphones jacket kettle lamp mug notebook pillow rug "
    "sandals scarf speaker teapot towel umbrella wallet watch"
)


def catalog_fallback(*, products: int, categories: int = 5, seed: int = 1) -> dict:
    """A catalog made straight through the ORM, for when the `seed` command does not exist."""
    from django.db import connection

    from store.models import Category, Product

    generator = random.Random(seed)
    words, items = NAME_WORDS.split(), ITEM_WORDS.split()
    created_categories = [
        Category.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0]
        for name in ["Home", "Kitchen", "Outdoors", "Fashion", "Electronics", "Garden", "Office"][:categories]
    ]
    rows = []
    for number in range(products):
        name = f"{generator.choice(words).title()} {generator.choice(items)} {number}"
        price = Decimal(generator.randrange(500, 50_000)) / 100
        discount = (price * Decimal("0.8")).quantize(Decimal("0.01")) if generator.random() < 0.3 else None
        rows.append(
            Product(
                category=generator.choice(created_categories),
                name=name,
                slug=f"bench-{number}",
                sku=f"BENCH-{number:07d}",
                description=" ".join(generator.choices(words + items, k=20)),
                price=price,
                discount_price=discount,
                stock=generator.randrange(0, 200),
            )
        )
    Product.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE store_product AS product SET search_vector =
                setweight(to_tsvector('english', product.name), 'A')
                || setweight(to_tsvector('english', product.sku || ' ' || category.name), 'B')
                || setweight(to_tsvector('english', product.description), 'C')
            FROM store_category AS category WHERE category.id = product.category_id
            """
        )
    return {"products": Product.objects.count()}


def catalog_images(*, per_product: int = 2) -> dict:
    """`per_product` images with their renditions on every product that has none, so the list pages measure
    products with pictures. The rows share a few generated files (one set per position): made once, and
    inserted by one INSERT ... SELECT, where uploading each would take minutes at 100,000 products."""
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection

    from store.images import rendition_make
    from store.seed import demo_image

    shared = []
    for position in range(per_product):
        content = demo_image(key=f"bench-{position}")
        name = default_storage.save(f"bench/{position}.jpg", ContentFile(content))
        renditions = {}
        for width in settings.IMAGE_RENDITION_WIDTHS:
            if (rendition := rendition_make(content=content, width=width)) is not None:
                data, rendition_width, rendition_height = rendition
                renditions[str(width)] = {
                    "name": default_storage.save(f"bench/{position}-{width}.webp", ContentFile(data)),
                    "width": rendition_width,
                    "height": rendition_height,
                }
        shared.append((name, renditions))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO store_productimage (product_id, file, alt_text, position, width, height, renditions, created_at)
            SELECT product.id, image.file, 'Picture ' || (image.position + 1), image.position, 800, 600,
                image.renditions, now()
            FROM store_product AS product
            CROSS JOIN jsonb_to_recordset(%s::jsonb) AS image(file text, position int, renditions jsonb)
            WHERE NOT EXISTS (SELECT 1 FROM store_productimage AS existing WHERE existing.product_id = product.id)
            """,
            [
                json.dumps(
                    [
                        {"file": name, "position": position, "renditions": renditions}
                        for position, (name, renditions) in enumerate(shared)
                    ]
                )
            ],
        )
        created = cursor.rowcount
    return {"images": created}


def catalog_info() -> dict:
    """What the catalog figures request: page-1 slugs, and a filter + search that matches products."""
    from django.db.models import Count
    from django.db.models.functions import Coalesce

    from store.models import Product

    active = Product.objects.filter(is_active=True)
    if not active.exists():
        return {"products": 0}
    category_id = (
        active.values("category_id").annotate(total=Count("id")).order_by("-total", "category_id")[0]["category_id"]
    )
    names = active.filter(category_id=category_id).values_list("name", flat=True)
    words = Counter(word for name in names for word in name.lower().split() if word.isalpha() and len(word) >= 4)
    prices = sorted(
        active.filter(category_id=category_id)
        .annotate(final=Coalesce("discount_price", "price"))
        .values_list("final", flat=True)
    )
    return {
        "products": active.count(),
        "slugs": list(active.values_list("slug", flat=True)[:20]),
        "category_id": category_id,
        "search": words.most_common(1)[0][0] if words else "",
        "min_price": str(int(prices[len(prices) // 4])) if prices else "1",
    }


def query_counts(*, paths: list[str]) -> dict:
    """SQL queries per request, counted in-process through the Django test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        counts[path] = {"status": response.status_code, "queries": len(captured.captured_queries)}
    return counts


def _token(user) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(user))


def buyers(*, count: int) -> dict:
    """`count` customers with complete shipping profiles and empty carts, and their access tokens."""
    from accounts.models import CustomerProfile, User
    from store.models import CartItem

    users = []
    for number in range(count):
        user, created = User.objects.get_or_create(
            username=f"bench_buyer_{number:03d}", defaults={"email": f"bench_buyer_{number:03d}@example.com"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        CustomerProfile.objects.update_or_create(
            user=user,
            defaults={
                "phone": "+254700000000",
                "address": f"{number} Bench Road",
                "city": "Nairobi",
                "country": "KE",
                "postal_code": "00100",
            },
        )
        users.append(user)
    CartItem.objects.filter(cart__user__in=users).delete()
    return {"buyers": [{"id": user.pk, "token": _token(user)} for user in users]}


def products(*, count: int, stock: int, label: str) -> dict:
    """`count` fresh active products with `stock` units each, in a category of their own."""
    from store.models import Category, Product

    category, _ = Category.objects.get_or_create(name="Bench", defaults={"slug": "bench"})
    start = Product.objects.filter(sku__startswith=f"BENCH-{label}-").count()
    created = Product.objects.bulk_create(
        Product(
            category=category,
            name=f"Bench {label} {number}",
            slug=f"bench-{label}-{number}",
            sku=f"BENCH-{label}-{number}",
            price=Decimal("10.00"),
            stock=stock,
        )
        for number in range(start, start + count)
    )
    return {"ids": [product.pk for product in created]}


def product_state(*, product_id: int) -> dict:
    from django.db.models import Sum

    from store.models import OrderItem, Product

    product = Product.objects.get(pk=product_id)
    sold = OrderItem.objects.filter(product_id=product_id).aggregate(total=Sum("quantity"))["total"] or 0
    return {"stock": product.stock, "sold": sold}


def manager() -> dict:
    from accounts.models import User

    user, created = User.objects.get_or_create(
        username="bench_manager",
        defaults={"email": "bench_manager@example.com", "role": User.Role.MANAGER, "is_staff": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return {"token": _token(user)}


def logs_fallback(*, count: int, days: int = 7) -> dict:
    """Request logs straight from SQL, for when the `seed_core` command does not exist."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO core_requestlog
                (timestamp, ip, method, path, status_code, response_time_ms, user_agent, country)
            SELECT now() - (random() * %s * interval '1 day'),
                   ((ARRAY['198.51.100.', '203.0.113.'])[1 + n %% 2] || (n %% 250))::inet,
                   'GET', '/api/products/', (ARRAY[200, 200, 200, 404, 401])[1 + n %% 5],
                   random() * 50, 'bench', (ARRAY['KE', 'US', 'DE', 'IN', 'BR'])[1 + n %% 5]
            FROM generate_series(1, %s) AS n
            """,
            [days, count],
        )
    return {"logs": count}


# The facets catalog: attributes with the values each product draws from (`hashint` picks them).
FACET_ATTRIBUTES = (
    ("Brand", "choice", ("Acme", "Bolt", "Cirrus", "Delta", "Echo", "Fable", "Gale", "Helix", "Iris", "Juno")),
    ("Colour", "choice", ("Red", "Blue", "Green", "Black", "White", "Grey", "Yellow", "Pink")),
    ("Size", "choice", ("XS", "S", "M", "L", "XL")),
    ("Waterproof", "boolean", ()),
)


# Realistic searches of the facets catalog: an item, a name word, and pairs a shopper would type.
FACET_SEARCHES = ("lamp", "cedar", "linen scarf", "quartz watch")


def _facets_schema() -> tuple[list, list[list[int]], int]:
    """The facets catalog's categories, the value ids of each choice attribute and the weight attribute's id:
    made on the first call, read back on the next ones."""
    from store.models import Attribute, Category
    from store.services.attributes import attribute_create, attribute_value_create

    categories = [
        Category.objects.get_or_create(name=f"Facets {number}", defaults={"slug": f"facets-{number}"})[0]
        for number in range(5)
    ]
    attributes = []
    for name, kind, values in (*FACET_ATTRIBUTES, ("Weight", Attribute.Kind.NUMBER, ())):
        attribute = Attribute.objects.filter(name=name).first()
        if attribute is None:
            attribute = attribute_create(name=name, kind=kind)
            for value in values:
                attribute_value_create(attribute=attribute, value=value)
        attributes.append(attribute)
    value_ids = [list(attribute.values.order_by("id").values_list("id", flat=True)) for attribute in attributes[:-1]]
    return categories, value_ids, attributes[-1].pk


# Product n of the facets catalog, from the numbers n of `generate_series(%(first)s, %(last)s)`: every word and
# attribute value drawn by a hash of n (`pg_temp.pick`), so a catalog grown in steps is the one made at once.
FACETS_PRODUCTS_INSERT = """
WITH inserted AS (
    INSERT INTO store_product (category_id, name, slug, sku, description, price, discount_price, stock, is_active,
        rating_average, rating_count, attribute_value_ids, attribute_numbers, created_at, updated_at)
    SELECT (%(categories)s::int[])[1 + n %% 5],
        initcap(pg_temp.pick(%(words)s::text[], n * 11)) || ' ' || pg_temp.pick(%(items)s::text[], n * 13) || ' ' || n,
        'facet-item-' || n, 'FACET-' || n,
        (SELECT string_agg(pg_temp.pick(%(all_words)s::text[], n * 17 + k), ' ') FROM generate_series(1, 8) AS k),
        5 + abs(hashint4(n)) %% 150000 / 100.0, NULL, abs(hashint4(n * 3)) %% 50, true, 0, 0,
        (SELECT array_agg(v ORDER BY v) FROM unnest({picks}) AS v),
        jsonb_build_object(%(weight)s::text, (abs(hashint4(n * 5)) %% 20000) / 1000.0), now(), now()
    FROM generate_series(%(first)s, %(last)s) AS n
    RETURNING id, attribute_value_ids, attribute_numbers
)
INSERT INTO store_productattributevalue (product_id, attribute_id, value_id, number)
SELECT i.id, v.attribute_id, v.id, NULL FROM inserted i JOIN store_attributevalue v ON v.id = ANY(i.attribute_value_ids)
UNION ALL
SELECT i.id, %(weight)s, NULL, (i.attribute_numbers ->> %(weight)s::text)::numeric FROM inserted i
"""


def facets_catalog(*, products: int, batch_size: int = 100_000) -> dict:
    """Grow the facets catalog to `products` active products in five categories of their own with brand, colour,
    size, waterproof and a weight, named and described from NAME_WORDS and ITEM_WORDS, by INSERT ... SELECT
    generate_series, with the product rows' copies of their attribute values in the same statement. One
    transaction per `batch_size` products: the triggers write each batch's search documents and facet counts (a
    statement of a million rows would hold them all in memory at once)."""
    from django.db import connection, transaction

    from store.models import Product

    words, items = NAME_WORDS.split(), ITEM_WORDS.split()
    with transaction.atomic():
        categories, value_ids, weight = _facets_schema()
    picks = " || ".join(
        f"ARRAY[pg_temp.pick(%(values{index})s::int[], n * {index + 7})]" for index in range(len(value_ids))
    )
    arguments = {
        "categories": [category.pk for category in categories],
        "words": words,
        "items": items,
        "all_words": words + items,
        "weight": weight,
        **{f"values{index}": ids for index, ids in enumerate(value_ids)},
    }
    made = Product.objects.filter(sku__startswith="FACET-").count()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.pick(anyarray, integer) RETURNS anyelement LANGUAGE sql IMMUTABLE AS "
            "$$ SELECT $1[1 + abs(hashint4($2)) % cardinality($1)] $$"
        )
        for first in range(made + 1, products + 1, batch_size):
            with transaction.atomic():
                last = min(first + batch_size - 1, products)
                cursor.execute(FACETS_PRODUCTS_INSERT.format(picks=picks), {**arguments, "first": first, "last": last})
        cursor.execute("ANALYZE store_product")
    colour = FACET_ATTRIBUTES[1][2][0].lower()
    return {"category_id": categories[0].pk, "colour": colour, "searches": FACET_SEARCHES}


def shop_catalog(*, stock: int) -> dict:
    """What the load test's shoppers pick from: every active product (its stock raised to `stock`, so checkouts
    never run out), the categories, choice-attribute filters that match products of their category, and words
    of product names to search for."""
    from django.db.models import Max, Min

    from store.catalog_cache import catalog_version_bump
    from store.models import Attribute, Category, Product, ProductAttributeValue

    active = Product.objects.filter(is_active=True)
    active.update(stock=stock)
    catalog_version_bump()
    words = Counter(
        word for name in active.values_list("name", flat=True) for word in name.lower().split() if len(word) >= 4
    )
    prices = active.aggregate(low=Min("price"), high=Max("price"))
    filters = (
        ProductAttributeValue.objects.filter(product__is_active=True, value__isnull=False)
        .exclude(attribute__kind=Attribute.Kind.NUMBER)
        .values_list("product__category_id", "attribute__slug", "value__slug")
        .distinct()
        .order_by("product__category_id", "attribute__slug", "value__slug")
    )
    return {
        "products": [list(row) for row in active.order_by("pk").values_list("pk", "slug", "category_id")],
        "categories": list(Category.objects.filter(products__is_active=True).distinct().values_list("pk", flat=True)),
        "attribute_filters": [list(row) for row in filters],
        "search": [word for word, _ in words.most_common(30)],
        "prices": [str(prices["low"] or 0), str(prices["high"] or 0)],
    }


def redis_keys_delete() -> dict:
    """Delete what a run left in Redis under names of its own: its cache entries (CACHE_KEY_PREFIX) and its
    request log buffer (REQUEST_LOG_BUFFER_KEY)."""
    import redis
    from django.conf import settings

    deleted = 0
    if settings.REDIS_CACHE_URL:
        cache = redis.Redis.from_url(settings.REDIS_CACHE_URL)
        for key in cache.scan_iter(match=settings.CACHES["default"]["KEY_PREFIX"] + ":*", count=1000):
            deleted += cache.delete(key)
    if settings.REDIS_URL:
        deleted += redis.Redis.from_url(settings.REDIS_URL).delete(settings.REQUEST_LOG_BUFFER_KEY)
    return {"deleted": deleted}


def settings_info() -> dict:
    from django.conf import settings

    return {
        "request_logging_middleware": [name for name in settings.MIDDLEWARE if name.startswith("core.middleware")],
        "has_logging_switch": hasattr(settings, "REQUEST_LOGGING_ENABLED"),
    }


ACTIONS = {
    "settings_info": settings_info,
    "catalog_fallback": catalog_fallback,
    "catalog_images": catalog_images,
    "catalog_info": catalog_info,
    "query_counts": query_counts,
    "buyers": buyers,
    "products": products,
    "product_state": product_state,
    "manager": manager,
    "logs_fallback": logs_fallback,
    "facets_catalog": facets_catalog,
    "shop_catalog": shop_catalog,
    "redis_keys_delete": redis_keys_delete,
}


def main(argv: list[str]) -> None:
    django.setup()
    action = ACTIONS[argv[1]]
    arguments = json.loads(argv[2]) if len(argv) > 2 else {}
    print(json.dumps(action(**arguments), default=str))


if __name__ == "__main__":
    main(sys.argv)
