"""Attribute filters (`attr_<slug>=...`, `attr_<slug>_min/_max`) and facet counts over the catalog.

Filters and counts read the product row alone: its copies of its attribute values (`attribute_value_ids`,
with a GIN index, and `attribute_numbers`). Facet counts come from one of three places:
- with no filter but the category, the counts kept by the product triggers (`FacetCount`, `FacetNumber`, see
  migration 0013), in a few index reads: the most common facets requests cost no scan;
- otherwise the in-memory copy of the catalog's faceted columns (`facet_snapshot`), checked against the
  database's facet revision on every request; search and stock narrow it by the ids of the products they
  leave, read with the version;
- when no current copy is at hand (or `FACETS_IN_MEMORY` is off), one SQL query over the active products
  matching the filters no facet is about (search, stock): each row carries a bit mask of the faceted filters
  it fails (category, price, each attribute), and a facet counts the rows that fail no filter but its own.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DecimalField, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.http import QueryDict

from store.errors import InvalidAttributeFilter, UnknownAttribute
from store.models import Attribute, AttributeValue, Category, ProductAttributeValue
from store.selectors.facet_snapshot import catalog_snapshot

PARAMETER_PREFIX = "attr_"
RANGE_SUFFIXES = ("_min", "_max")
# The price bands of the facets: [0, 25), [25, 50), ... [1000, no limit), on the final price.
PRICE_BAND_BOUNDS = (Decimal(0), Decimal(25), Decimal(50), Decimal(100), Decimal(250), Decimal(500), Decimal(1000))
FILTER_NUMBER_LIMIT = Decimal(10) ** 12
MAX_FILTER_VALUES = 50
CATEGORY_BIT, PRICE_BIT, FIRST_ATTRIBUTE_BIT = 1, 2, 4
NUMBER_FIELD = DecimalField(max_digits=30, decimal_places=3)


@dataclass(frozen=True)
class AttributeCondition:
    """One attribute's filter: any of `value_ids` (choice and boolean), or a number in [minimum, maximum]."""

    attribute: Attribute
    value_ids: tuple[int, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def as_q(self) -> Q:
        if self.attribute.kind != Attribute.Kind.NUMBER:
            return Q(attribute_value_ids__overlap=list(self.value_ids))
        # Django's JSON key transforms read a key of digits as an array index, hence the SQL.
        number = RawSQL('("store_product"."attribute_numbers" ->> %s)::numeric', [str(self.attribute.pk)], NUMBER_FIELD)
        bounds = [Q(attribute_numbers__has_key=str(self.attribute.pk))]
        if self.minimum is not None:
            bounds.append(Q(GreaterThanOrEqual(number, self.minimum)))
        if self.maximum is not None:
            bounds.append(Q(LessThanOrEqual(number, self.maximum)))
        return Q(*bounds)


def _number(parameter: str, raw: str) -> Decimal:
    try:
        number = Decimal(raw.strip())
    except InvalidOperation:
        raise InvalidAttributeFilter(f"{parameter}: a number is expected.", parameter=parameter) from None
    if not number.is_finite() or abs(number) >= FILTER_NUMBER_LIMIT:
        raise InvalidAttributeFilter(f"{parameter}: the number is out of range.", parameter=parameter)
    return number


def attribute_conditions_parse(*, params: QueryDict) -> list[AttributeCondition]:
    """The attribute filters of a query string: `attr_<slug>=a,b` (repeatable; any of the values) for choice and
    boolean attributes, `attr_<slug>_min` / `_max` for numbers. An unknown slug or value is a 400."""
    wanted: dict[str, dict[str, list[str]]] = {}
    for parameter in params:
        if not parameter.startswith(PARAMETER_PREFIX):
            continue
        name, part = parameter[len(PARAMETER_PREFIX) :], "values"
        for suffix in RANGE_SUFFIXES:
            if name.endswith(suffix):
                name, part = name[: -len(suffix)], suffix
        wanted.setdefault(name, {})[part] = params.getlist(parameter)
    if not wanted:
        return []
    attributes = {
        attribute.slug: attribute
        for attribute in Attribute.objects.filter(slug__in=list(wanted)).prefetch_related("values")
    }
    conditions = []
    for slug, parts in wanted.items():
        attribute = attributes.get(slug)
        first = PARAMETER_PREFIX + slug + ("" if "values" in parts else next(iter(parts)))
        if attribute is None:
            raise UnknownAttribute(f"{first}: no attribute with the slug {slug!r}.", parameter=first)
        if attribute.kind == Attribute.Kind.NUMBER:
            conditions.append(_number_condition(attribute, parts))
        else:
            conditions.append(_choice_condition(attribute, parts))
    return conditions


def _number_condition(attribute: Attribute, parts: dict[str, list[str]]) -> AttributeCondition:
    if "values" in parts:
        parameter = PARAMETER_PREFIX + attribute.slug
        raise InvalidAttributeFilter(
            f"{parameter}: a number attribute filters with {parameter}_min and {parameter}_max.", parameter=parameter
        )
    bounds = {}
    for suffix, raws in parts.items():
        parameter = PARAMETER_PREFIX + attribute.slug + suffix
        if len(raws) != 1:
            raise InvalidAttributeFilter(f"{parameter}: give it once.", parameter=parameter)
        bounds[suffix] = _number(parameter, raws[0])
    return AttributeCondition(attribute=attribute, minimum=bounds.get("_min"), maximum=bounds.get("_max"))


def _choice_condition(attribute: Attribute, parts: dict[str, list[str]]) -> AttributeCondition:
    parameter = PARAMETER_PREFIX + attribute.slug
    ranges = sorted(set(parts) - {"values"})
    if ranges:
        parameter += ranges[0]
        raise InvalidAttributeFilter(f"{parameter}: only number attributes filter by range.", parameter=parameter)
    slugs = {slug.strip().lower() for raw in parts["values"] for slug in raw.split(",") if slug.strip()}
    if not slugs or len(slugs) > MAX_FILTER_VALUES:
        raise InvalidAttributeFilter(
            f"{parameter}: give between 1 and {MAX_FILTER_VALUES} values.", parameter=parameter
        )
    ids = {value.slug: value.pk for value in attribute.values.all()}
    unknown = sorted(slugs - ids.keys())
    if unknown:
        raise InvalidAttributeFilter(f"{parameter}: {unknown[0]!r} is not one of its values.", parameter=parameter)
    return AttributeCondition(attribute=attribute, value_ids=tuple(sorted(ids[slug] for slug in slugs)))


def products_with_attributes(qs: QuerySet) -> QuerySet:
    """Products with their attribute values, attribute and value included, in one query for any number of them."""
    return qs.prefetch_related(
        Prefetch(
            "attribute_values",
            queryset=ProductAttributeValue.objects.select_related("attribute", "value").order_by(
                "attribute__position", "attribute_id"
            ),
        )
    )


@dataclass(frozen=True)
class FacetFilters:
    """The filters facets are about (None when not given), and whether anything else narrows the products."""

    category_id: int | None = None
    category_slug: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    attributes: tuple[AttributeCondition, ...] = ()
    # True when a filter no facet is about (search, stock) narrows the products.
    narrowed: bool = False
    # True when nothing narrows the active products but, at most, the category the facets list: the counts
    # kept in `FacetCount` and `FacetNumber` answer then.
    precounted: bool = False

    @property
    def category(self) -> Q | None:
        """The category filters as a condition on a product row."""
        conditions = [Q(category_id=self.category_id)] if self.category_id is not None else []
        if self.category_slug:
            conditions.append(Q(category__slug=self.category_slug))
        return Q(*conditions) if conditions else None

    @property
    def price(self) -> Q | None:
        """The price filters as a condition on a row of `product_list` (its `final_price_amount`)."""
        conditions = [
            Q(**{f"final_price_amount__{lookup}": bound})
            for bound, lookup in ((self.min_price, "gte"), (self.max_price, "lte"))
            if bound is not None
        ]
        return Q(*conditions) if conditions else None


def _fails(condition: Q | None, bit: int):
    if condition is None:
        return Value(0)
    return Case(When(condition, then=Value(0)), default=Value(bit), output_field=IntegerField())


FACETS_SQL = """
WITH base AS MATERIALIZED (
    SELECT category_id, width_bucket(facet_price, %s::numeric[]) AS band, attribute_value_ids, fails{number_columns}
    FROM ({base}) AS products WHERE fails & (fails - 1) = 0
)
SELECT 'total', NULL, count(*) FILTER (WHERE fails = 0), NULL::numeric, NULL::numeric FROM base
UNION ALL
SELECT 'category', category_id::text, count(*), NULL, NULL FROM base WHERE fails & ~1 = 0 GROUP BY category_id
UNION ALL
SELECT 'price', band::text, count(*), NULL, NULL FROM base WHERE fails & ~2 = 0 GROUP BY band
UNION ALL
SELECT 'value', value_id::text, count(*), NULL, NULL
FROM base CROSS JOIN LATERAL unnest(base.attribute_value_ids) AS value(value_id)
WHERE fails & ~({value_bit}) = 0 GROUP BY value_id
{numbers}
"""
NUMBER_COLUMN_SQL = ", (attribute_numbers ->> %s)::numeric AS number_{pk}"
NUMBER_SQL = """
UNION ALL
SELECT 'number', '{pk}', count(number_{pk}), min(number_{pk}), max(number_{pk}) FROM base WHERE fails & ~{bit} = 0
"""


def _bit_case(column: str, arms: list[tuple[list[int], int]]) -> tuple[str, list]:
    """SQL for the bit of the attribute a value belongs to: 0 for attributes not filtered."""
    if not arms:
        return "0", []
    sql = "CASE " + " ".join(f"WHEN {column} = ANY(%s) THEN {bit}" for _, bit in arms) + " ELSE 0 END"
    return sql, [match for match, _ in arms]


def _prefilter(filters: FacetFilters) -> Q | None:
    """A condition every row counted somewhere meets, for an index to find them with.

    A row counts only if it fails at most one faceted filter, so with two or more filters it passes at least one
    of any two of them. Two that an index answers are picked: attribute values (GIN), then category, then price.
    """
    choices = [condition.as_q() for condition in filters.attributes if condition.value_ids]
    numbers = [condition.as_q() for condition in filters.attributes if not condition.value_ids]
    conditions = [q for q in (*choices, filters.category, filters.price, *numbers) if q is not None]
    if len(conditions) < 2:
        return None
    return conditions[0] | conditions[1]


PRECOUNTED_SQL = """
SELECT 'total', NULL, COALESCE(sum(count), 0), NULL::numeric, NULL::numeric FROM store_facetcount
WHERE value_id = 0 AND {in_category}
UNION ALL
SELECT 'category', category_id::text, sum(count), NULL, NULL FROM store_facetcount
WHERE value_id = 0 GROUP BY category_id
UNION ALL
SELECT 'price', price_band::text, sum(count), NULL, NULL FROM store_facetcount
WHERE value_id = 0 AND {in_category} GROUP BY price_band
UNION ALL
SELECT 'value', value_id::text, sum(count), NULL, NULL FROM store_facetcount
WHERE value_id > 0 AND {in_category} GROUP BY value_id
UNION ALL
SELECT 'number', attribute.id::text,
    (SELECT COALESCE(sum(count), 0) FROM store_facetcount WHERE value_id = -attribute.id AND {in_category}),
    (SELECT min(number) FROM store_facetnumber WHERE attribute_id = attribute.id AND {in_category}),
    (SELECT max(number) FROM store_facetnumber WHERE attribute_id = attribute.id AND {in_category})
FROM unnest(%s::int[]) AS attribute(id)
"""


def _precounted_facets(*, category: Category | None, attributes: list[Attribute]) -> list[tuple]:
    """The facet rows from the kept counts, in the shape of `FACETS_SQL`'s: a few index reads."""
    in_category = "TRUE" if category is None else "category_id = %s"
    params = [] if category is None else [category.pk]
    number_ids = [attribute.pk for attribute in attributes if attribute.kind == Attribute.Kind.NUMBER]
    with connection.cursor() as cursor:
        sql = PRECOUNTED_SQL.format(in_category=in_category)
        cursor.execute(sql, [*params * 6, number_ids])
        return cursor.fetchall()


def product_facets(*, products: QuerySet, filters: FacetFilters, category: Category | None = None) -> dict:
    """Counts of the `products` (active ones, with every filter but the faceted ones applied) by category, by
    price band and by attribute value, each count under every faceted filter but its own; for number
    attributes, the range of their values. `category` narrows the attributes listed to that category's.

    With no filter but the category, the counts kept by the product triggers answer. Otherwise the in-memory
    copy of the catalog does (`facet_snapshot`), among the `products` ids when search or stock narrow them;
    without a current copy (or with `FACETS_IN_MEMORY` off), one query over the products does."""
    attributes = Attribute.objects.prefetch_related("values")
    if category is not None:
        attributes = attributes.filter(Q(categories=category) | Q(categories=None)).distinct()
    attributes = list(attributes)
    categories = list(Category.objects.order_by("name", "id").values_list("id", "name", "slug"))
    if filters.precounted:
        rows = _precounted_facets(category=category, attributes=attributes)
        return _facets_shape(rows, attributes=attributes, categories=categories)
    snapshot, narrowed_ids = None, None
    if settings.FACETS_IN_MEMORY:
        narrowing = products.order_by().values("id").query.sql_with_params() if filters.narrowed else None
        snapshot, narrowed_ids = catalog_snapshot(price_band_bounds=PRICE_BAND_BOUNDS, narrowing=narrowing)
    if snapshot is not None:
        rows = snapshot.facet_rows(
            category_ids=_category_ids(filters, categories),
            minimum_price=filters.min_price,
            maximum_price=filters.max_price,
            conditions=filters.attributes,
            number_attribute_ids=[attribute.pk for attribute in attributes if attribute.kind == Attribute.Kind.NUMBER],
            narrowed_to=narrowed_ids,
        )
        return _facets_shape(rows, attributes=attributes, categories=categories)
    return _facets_shape(_sql_facets(products, filters, attributes), attributes=attributes, categories=categories)


def _category_ids(filters: FacetFilters, categories: list[tuple]) -> list[int] | None:
    """The ids of the categories the category filters name (none, one or, if they disagree, none at all)."""
    if filters.category_id is None and not filters.category_slug:
        return None
    return [
        pk
        for pk, _, slug in categories
        if filters.category_id in (None, pk) and filters.category_slug in (None, "", slug)
    ]


def _sql_facets(products: QuerySet, filters: FacetFilters, attributes: list[Attribute]) -> list[tuple]:
    """The facet rows from one query over the products that fail at most one faceted filter."""
    fails = _fails(filters.category, CATEGORY_BIT) + _fails(filters.price, PRICE_BIT)
    value_arms, number_bits = [], {}
    for index, condition in enumerate(filters.attributes):
        bit = FIRST_ATTRIBUTE_BIT << index
        fails = fails + _fails(condition.as_q(), bit)
        if condition.attribute.kind == Attribute.Kind.NUMBER:
            number_bits[condition.attribute.pk] = bit
        else:
            value_arms.append(([value.pk for value in condition.attribute.values.all()], bit))
    prefilter = _prefilter(filters)
    if prefilter is not None:
        products = products.filter(prefilter)
    base = (
        products.order_by()
        .annotate(facet_price=Coalesce("discount_price", "price"), fails=fails)
        .values("category_id", "facet_price", "attribute_value_ids", "attribute_numbers", "fails")
    )
    base_sql, base_params = base.query.sql_with_params()
    value_bit, value_params = _bit_case("value_id", value_arms)
    number_attributes = [attribute for attribute in attributes if attribute.kind == Attribute.Kind.NUMBER]
    sql = FACETS_SQL.format(
        base=base_sql,
        value_bit=value_bit,
        number_columns="".join(NUMBER_COLUMN_SQL.format(pk=attribute.pk) for attribute in number_attributes),
        numbers="".join(
            NUMBER_SQL.format(pk=attribute.pk, bit=number_bits.get(attribute.pk, 0)) for attribute in number_attributes
        ),
    )
    number_keys = [str(attribute.pk) for attribute in number_attributes]
    with transaction.atomic(), connection.cursor() as cursor:
        # Compiling this one query to machine code costs more than running it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [list(PRICE_BAND_BOUNDS), *number_keys, *base_params, *value_params])
        return cursor.fetchall()


def _facets_shape(rows: list[tuple], *, attributes: list[Attribute], categories: list[tuple]) -> dict:
    counts: dict[str, dict[str, int]] = {"total": {}, "category": {}, "price": {}, "value": {}}
    ranges: dict[int, dict] = {}
    for kind, key, count, low, high in rows:
        if kind == "number":
            ranges[int(key)] = {"min": low, "max": high, "count": count}
        else:
            counts[kind][key] = count
    bounds = PRICE_BAND_BOUNDS
    return {
        "count": counts["total"].get(None, 0),
        "categories": [
            {"id": pk, "name": name, "slug": slug, "count": counts["category"].get(str(pk), 0)}
            for pk, name, slug in categories
        ],
        "price_bands": [
            {
                "min": low,
                "max": bounds[index + 1] if index + 1 < len(bounds) else None,
                "count": counts["price"].get(str(index + 1), 0),
            }
            for index, low in enumerate(bounds)
        ],
        "attributes": [_attribute_facet(attribute, counts["value"], ranges) for attribute in attributes],
    }


def _attribute_facet(attribute: Attribute, value_counts: dict[str, int], ranges: dict[int, dict]) -> dict:
    facet = {"slug": attribute.slug, "name": attribute.name, "kind": attribute.kind}
    if attribute.kind == Attribute.Kind.NUMBER:
        return facet | ranges.get(attribute.pk, {"min": None, "max": None, "count": 0})
    values = [
        {"slug": value.slug, "value": value.value, "count": value_counts.get(str(value.pk), 0)}
        for value in attribute.values.all()
    ]
    return facet | {"values": values}


def attribute_list() -> QuerySet[Attribute]:
    return Attribute.objects.prefetch_related(
        Prefetch("values", queryset=AttributeValue.objects.order_by("position", "id")),
        Prefetch("categories", queryset=Category.objects.order_by("id").only("id")),
    ).order_by("position", "id")
