from enum import Enum
from functools import cache

from django.db import connections, router
from django.db.models import Count, F, Func, IntegerField, Prefetch, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from accounts.roles import is_manager
from store.models import Category, Product, ProductImage

PRODUCT_READ_FIELDS = (
    "name",
    "slug",
    "sku",
    "description",
    "price",
    "discount_price",
    "stock",
    "is_active",
    "rating_average",
    "rating_count",
    "created_at",
    "updated_at",
    "category__name",
    "category__slug",
)


# What the list and the detail answer, one row a product: the product's columns, its category, then its images
# and attribute values as JSON arrays of arrays, each built by a correlated subquery, in the order the API
# lists them (the images primary first, the attributes by position). Numbers go out as text, so no decimal
# passes through a float.
PRODUCT_CARD_COLUMNS = (
    "id",
    "name",
    "slug",
    "sku",
    "description",
    "price",
    "discount_price",
    "stock",
    "is_active",
    "category_id",
    "category__name",
    "category__slug",
    "rating_average",
    "rating_count",
    "created_at",
    "updated_at",
    "images_json",
    "attributes_json",
)
IMAGES_JSON = RawSQL(
    """SELECT coalesce(json_agg(json_build_array(i.id, i.file, i.width, i.height, i.alt_text, i.position,
    i.renditions) ORDER BY i.position, i.id)::text, '[]') FROM store_productimage i
    WHERE i.product_id = "store_product"."id"
    """,
    (),
    output_field=TextField(),
)
ATTRIBUTES_JSON = RawSQL(
    """SELECT coalesce(json_agg(json_build_array(a.slug, a.name, a.kind, v.slug, v.value, pav.number::text)
    ORDER BY a.position, a.id)::text, '[]') FROM store_productattributevalue pav
    JOIN store_attribute a ON a.id = pav.attribute_id LEFT JOIN store_attributevalue v ON v.id = pav.value_id
    WHERE pav.product_id = "store_product"."id"
    """,
    (),
    output_field=TextField(),
)


def category_list(*, user) -> QuerySet[Category]:
    """Categories with `product_count`: every product for managers and admins, active ones for everybody else."""
    product_count = Count("products") if is_manager(user) else Count("products", filter=Q(products__is_active=True))
    return Category.objects.annotate(product_count=product_count).order_by("name", "id")


def product_images() -> QuerySet[ProductImage]:
    """Images in the order the API lists them: the primary (lowest position) first."""
    return ProductImage.objects.order_by("position", "id").only(
        "product_id", "file", "alt_text", "position", "width", "height", "renditions"
    )


def product_list(*, user) -> QuerySet[Product]:
    """Products a user may see (inactive ones only for managers and admins), with their category.

    `final_price_amount` is an alias matching the `product_final_price_idx` expression index, for price
    filters and ordering. Only the columns the API shows are loaded (`PRODUCT_READ_FIELDS`): each
    unused timestamp costs a parse per row. A product saved from such a row saves only those columns;
    the search document stays with the database trigger and `low_stock_alerted_at` with the stock job.
    """
    return _products(with_inactive=is_manager(user))


def _products(*, with_inactive: bool) -> QuerySet[Product]:
    qs = (
        Product.objects.select_related("category")
        .only(*PRODUCT_READ_FIELDS)
        .alias(final_price_amount=Coalesce("discount_price", "price"))
    )
    return qs if with_inactive else qs.filter(is_active=True)


def products_with_images(products: QuerySet[Product]) -> QuerySet[Product]:
    """The products' images, primary first: one query for a whole page."""
    return products.prefetch_related(Prefetch("images", queryset=product_images()))


def product_image_get(*, product: Product, image_id: int) -> ProductImage | None:
    return product_images().filter(product=product, pk=image_id).first()


def product_cards(products: QuerySet[Product]) -> QuerySet:
    """The rows the catalog answers with (tuples of `PRODUCT_CARD_COLUMNS`), filtered and ordered as `products`.

    The images and attribute values come as JSON from correlated subqueries, evaluated for the rows
    returned only: a page is one query, whatever its size.
    """
    return products.annotate(images_json=IMAGES_JSON, attributes_json=ATTRIBUTES_JSON).values_list(
        *PRODUCT_CARD_COLUMNS
    )


def catalog_cards(*, user) -> QuerySet:
    """`product_cards` of `product_list(user)`, for the list's and the detail's filters to narrow: the queryset is
    built once per process and role (filtering it makes a new one), which saves a sixth of a filtered list."""
    return _catalog_cards(with_inactive=is_manager(user)).all()


@cache
def _catalog_cards(*, with_inactive: bool) -> QuerySet:
    return product_cards(_products(with_inactive=with_inactive))


class PageBound(Enum):
    """Where a statement compiled before the page is known takes the page's LIMIT and OFFSET: Django compiles a
    slice to literal numbers, so `_catalog_statement` puts these in its parameters instead."""

    LIMIT = "limit"
    OFFSET = "offset"


class CardPages:
    """`product_cards` rows a page at a time, each row ending with the number of rows of the whole list, for
    `CountInRowsPaginator`: one query a page (`_card_page`)."""

    def __init__(self, cards: QuerySet) -> None:
        self.cards = cards

    def rows(self, offset: int, limit: int) -> list[tuple]:
        # The filters narrow the cards, so the ids and the count read the cards, with their inner join to the
        # category: on a required key it drops no product, but it costs a hash join over the matching rows (the
        # unfiltered statement reads the products alone).
        return list(_card_page(self.cards, products=self.cards, limit=limit, offset=offset))

    def count(self) -> int:
        return self.cards.count()


def _card_page(cards: QuerySet, *, products: QuerySet, limit: int | PageBound, offset: int | PageBound) -> QuerySet:
    """One page of `cards`, each row ending with the number of all `cards`, in one statement.

    The page's products are chosen first, by their ids only (`products`: the same products as `cards`, filtered
    and ordered alike, then LIMIT and OFFSET): the card columns and the image and attribute JSON are built for
    those rows, not for every row the OFFSET skips, and the outer query sorts them again by the same order (every
    order ends with the id, so both agree on ties). The number is an uncorrelated subquery over `products`, run
    once: `COUNT(*) OVER ()` would keep every matching product's whole row before the page is cut.

    Both subqueries are `products`' own SQL compiled on its own, not relabelled as Django relabels a subquery: raw
    SQL that names `"store_product"` (a number attribute's filter) then means the subquery's own products, not the
    outer row. `limit` and `offset` are query parameters, so they may also be placeholders (`PageBound`) for a
    statement compiled before the page is known.
    """
    ids, ids_params = products.values("pk").query.sql_with_params()
    total, total_params = products.order_by().values(total=Func(F("pk"), function="COUNT")).query.sql_with_params()
    page_ids = RawSQL(f"{ids} LIMIT %s OFFSET %s", (*ids_params, limit, offset))
    return cards.filter(pk__in=page_ids).annotate(total=RawSQL(total, total_params, output_field=IntegerField()))


def _catalog_cursor():
    """A cursor on the database the ORM would read products from: a read replica when the router allows it."""
    return connections[router.db_for_read(Product)].cursor()


class CatalogPages:
    """`CardPages` of every product card a user may see, in the list's default order, from SQL compiled once per
    process.

    The unfiltered list is the one most requested, and building and compiling its query through the ORM
    cost more than running it. The statement is the ORM's own (`_card_page` of `product_cards` over
    `product_list`), with the page's bounds as parameters.
    """

    def __init__(self, *, user) -> None:
        self.with_inactive = is_manager(user)

    def rows(self, offset: int, limit: int) -> list[tuple]:
        statement, params = _catalog_statement(with_inactive=self.with_inactive)
        bounds = {PageBound.LIMIT: limit, PageBound.OFFSET: offset}
        with _catalog_cursor() as cursor:
            cursor.execute(statement, [bounds[param] if isinstance(param, PageBound) else param for param in params])
            return cursor.fetchall()

    def count(self) -> int:
        return _products(with_inactive=self.with_inactive).count()


@cache
def _catalog_statement(*, with_inactive: bool) -> tuple[str, tuple]:
    """`_card_page` of the role's cards in the list's order, compiled with `PageBound` placeholders for the page.
    The ids and the count read the products alone, without the cards' join to the category."""
    page = _card_page(
        _catalog_cards(with_inactive=with_inactive),
        products=_products(with_inactive=with_inactive),
        limit=PageBound.LIMIT,
        offset=PageBound.OFFSET,
    )
    return page.query.sql_with_params()


def product_card(*, user, slug: str) -> tuple | None:
    """The `product_cards` row of the product with this slug, if the user may see it, from SQL compiled once
    per process like `CatalogPages`."""
    with _catalog_cursor() as cursor:
        cursor.execute(_card_statement(with_inactive=is_manager(user)), [slug])
        return cursor.fetchone()


@cache
def _card_statement(*, with_inactive: bool) -> str:
    # The slug is the statement's one parameter.
    statement, (_slug,) = _catalog_cards(with_inactive=with_inactive).filter(slug="").query.sql_with_params()
    return statement


def catalog_statements_compile() -> None:
    """Compile the list's and the detail's statements for every role now (they need no connection): in gunicorn's
    master, so that every worker forked from it starts with them."""
    for with_inactive in (False, True):
        _catalog_statement(with_inactive=with_inactive)
        _card_statement(with_inactive=with_inactive)
