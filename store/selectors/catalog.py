from functools import cache
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
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
    return _products(with_inactive=is_manager(user)).all()


@cache
def _products(*, with_inactive: bool) -> QuerySet[Product]:
    """Built once per process and role, like `_catalog_cards`; callers take a copy (`.all()`), so that none caches
    its rows here."""
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


class PageStatement(NamedTuple):
    """A list page's SQL, and its parameters before and after the page's LIMIT and OFFSET: Django would compile a
    slice to literal numbers, and a statement compiled once serves every page."""

    sql: str
    params_before_bounds: tuple
    params_after_bounds: tuple

    def rows(self, *, offset: int, limit: int) -> list[tuple]:
        with _catalog_cursor() as cursor:
            cursor.execute(self.sql, [*self.params_before_bounds, limit, offset, *self.params_after_bounds])
            return cursor.fetchall()


class CardPages:
    """Pages of the cards of `products` (a `product_list`, narrowed and ordered by the list's filters), each row
    ending with the number of all of them, for `CountInRowsPaginator`: one statement a page (`_page_statement`)."""

    def __init__(self, products: QuerySet[Product]) -> None:
        self.products = products

    def rows(self, offset: int, limit: int) -> list[tuple]:
        try:
            statement = self._statement()
        except EmptyResultSet:  # a filter that matches nothing by its very terms
            return []
        return statement.rows(offset=offset, limit=limit)

    def count(self) -> int:
        return self.products.count()

    def _statement(self) -> PageStatement:
        return _page_statement(self.products)


class CatalogPages(CardPages):
    """`CardPages` of every product a user may see, in the list's default order, from SQL compiled once per process:
    the unfiltered list is the one most requested, and compiling its statement cost more than running it."""

    def __init__(self, *, user) -> None:
        self.with_inactive = is_manager(user)
        super().__init__(_products(with_inactive=self.with_inactive).all())

    def _statement(self) -> PageStatement:
        return _catalog_statement(with_inactive=self.with_inactive)


@cache
def _catalog_statement(*, with_inactive: bool) -> PageStatement:
    return _page_statement(_products(with_inactive=with_inactive))


def _page_statement(products: QuerySet[Product]) -> PageStatement:
    """A page of `products`' cards, in one statement.

    It first chooses the page (the `page` CTE): the ids of `products` in their order, then LIMIT and OFFSET, and
    the number of all `products`. The card columns, the image and attribute JSON among them, are then built for
    those ids only (`_page_cards_statement`), not for every row the OFFSET skips. Counting by a subquery, not by
    `COUNT(*) OVER ()`, spares PostgreSQL keeping every matching product's whole row before the page is cut.

    Both subqueries are `products`' own SQL, compiled on its own: raw SQL that names `"store_product"` (a number
    attribute's filter) means their own products, which a subquery relabelled by Django would not.
    """
    ids, ids_params = products.values("pk").query.sql_with_params()
    total, total_params = products.order_by().values(total=Func(F("pk"), function="COUNT")).query.sql_with_params()
    cards, cards_params = _page_cards_statement()
    return PageStatement(
        sql=f"WITH page AS MATERIALIZED (SELECT ARRAY({ids} LIMIT %s OFFSET %s) AS ids, ({total}) AS total) {cards}",
        params_before_bounds=ids_params,
        params_after_bounds=(*total_params, *cards_params),
    )


@cache
def _page_cards_statement() -> tuple[str, tuple]:
    """The cards of the ids in `page` (the CTE `_page_statement` puts before it), in the page's order, each ending
    with the number of all the list's products. Any role's: the page holds only ids the role may see."""
    in_page = RawSQL("SELECT unnest(page.ids) FROM page", ())
    page_order = RawSQL('array_position((SELECT page.ids FROM page), "store_product"."id")', ())
    total = RawSQL("SELECT page.total FROM page", (), output_field=IntegerField())
    cards = _catalog_cards(with_inactive=True).filter(pk__in=in_page).annotate(total=total).order_by(page_order.asc())
    return cards.query.sql_with_params()


def _catalog_cursor():
    """A cursor on the database the ORM would read products from: a read replica when the router allows it."""
    return connections[router.db_for_read(Product)].cursor()


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
