"""Attributes and their values, and the attribute values of products.

Every write that changes what a product carries refreshes the product's copies (`attribute_value_ids`,
`attribute_numbers`) in the same transaction, from the `ProductAttributeValue` rows, in one UPDATE.
"""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction

from store.catalog_cache import catalog_version_bump
from store.errors import (
    AttributeNotInCategory,
    AttributeValuesFixed,
    InvalidAttributeValue,
    UniqueValueTaken,
    UnknownAttribute,
)
from store.models import Attribute, AttributeValue, Category, Product, ProductAttributeValue
from store.services.catalog import _product_lock, _save_with_unique_slug, _slug_unique, products_lock, slug_from

BOOLEAN_VALUES = (("true", "Yes"), ("false", "No"))
# The numbers a product may carry: what `ProductAttributeValue.number` stores.
NUMBER_MAX_DIGITS, NUMBER_DECIMAL_PLACES = 12, 3
NUMBER_LIMIT = Decimal(10) ** (NUMBER_MAX_DIGITS - NUMBER_DECIMAL_PLACES)

REFRESH_SQL = """
UPDATE store_product p SET
    attribute_value_ids = COALESCE(
        (SELECT array_agg(pav.value_id ORDER BY pav.value_id) FROM store_productattributevalue pav
         WHERE pav.product_id = p.id AND pav.value_id IS NOT NULL), '{}'),
    attribute_numbers = COALESCE(
        (SELECT jsonb_object_agg(pav.attribute_id::text, pav.number) FROM store_productattributevalue pav
         WHERE pav.product_id = p.id AND pav.number IS NOT NULL), '{}'::jsonb)
WHERE p.id = ANY(%s)
"""


def product_attribute_copies_refresh(*, product_ids: Iterable[int]) -> None:
    """Rewrite the products' copies of their attribute values from their `ProductAttributeValue` rows."""
    ids = sorted(set(product_ids))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(REFRESH_SQL, [ids])
        catalog_version_bump()


def _value_save(value: AttributeValue) -> AttributeValue:
    try:
        with transaction.atomic():
            value.save()
    except IntegrityError as error:
        raise UniqueValueTaken("This attribute already has a value with this slug.", field="slug") from error
    return value


@transaction.atomic
def attribute_create(
    *,
    name: str,
    kind: str = Attribute.Kind.CHOICE,
    slug: str | None = None,
    categories: Iterable[Category] = (),
    position: int = 0,
) -> Attribute:
    """A new attribute; a boolean one comes with its two values, `true` and `false`."""
    attribute = Attribute(name=name, kind=kind, slug=slug or "", position=position)
    generate = None if slug else (lambda: _slug_unique(model=Attribute, name=name, fallback="attribute"))
    _save_with_unique_slug(instance=attribute, generate_slug=generate)
    attribute.categories.set(categories)
    if kind == Attribute.Kind.BOOLEAN:
        AttributeValue.objects.bulk_create(
            AttributeValue(attribute=attribute, slug=slug, value=label, position=position)
            for position, (slug, label) in enumerate(BOOLEAN_VALUES)
        )
    return attribute


@transaction.atomic
def attribute_update(*, attribute: Attribute, categories: Iterable[Category] | None = None, **fields) -> Attribute:
    """Change name, slug, position or categories. The kind is fixed: products' values depend on it."""
    if categories is not None:
        attribute.categories.set(categories)
    if not fields:
        return attribute
    for name, value in fields.items():
        setattr(attribute, name, value)
    return _save_with_unique_slug(instance=attribute, generate_slug=None, update_fields=[*fields, "updated_at"])


@transaction.atomic
def attribute_delete(*, attribute: Attribute) -> None:
    product_ids = list(attribute.product_values.values_list("product_id", flat=True))
    # Locked as `product_attributes_set` locks them, so that neither writes a copy from the other's old state.
    products_lock(product_ids=product_ids)
    attribute.delete()
    product_attribute_copies_refresh(product_ids=product_ids)


@transaction.atomic
def attribute_value_create(*, attribute: Attribute, value: str, slug: str | None = None, position: int = 0):
    if attribute.kind == Attribute.Kind.NUMBER:
        raise InvalidAttributeValue("A number attribute has no values to choose from.")
    if attribute.kind == Attribute.Kind.BOOLEAN:
        raise AttributeValuesFixed()
    slug = slug or slug_from(value)[:100].strip("-")
    if not slug:
        raise InvalidAttributeValue("Give a slug: none can be made from this value.", field="slug")
    return _value_save(AttributeValue(attribute=attribute, value=value, slug=slug, position=position))


@transaction.atomic
def attribute_value_update(*, attribute_value: AttributeValue, **fields) -> AttributeValue:
    if attribute_value.attribute.kind == Attribute.Kind.BOOLEAN and "slug" in fields:
        raise AttributeValuesFixed()
    for name, value in fields.items():
        setattr(attribute_value, name, value)
    return _value_save(attribute_value)


@transaction.atomic
def attribute_value_delete(*, attribute_value: AttributeValue) -> None:
    """Delete a value; the products that carried it no longer carry the attribute."""
    if attribute_value.attribute.kind == Attribute.Kind.BOOLEAN:
        raise AttributeValuesFixed()
    product_ids = list(ProductAttributeValue.objects.filter(value=attribute_value).values_list("product_id", flat=True))
    products_lock(product_ids=product_ids)
    attribute_value.delete()
    product_attribute_copies_refresh(product_ids=product_ids)


def _number_of(raw, *, slug: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidAttributeValue(f"{slug}: a number is expected.", field="attributes")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidAttributeValue(f"{slug}: a number is expected.", field="attributes") from None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise InvalidAttributeValue(f"{slug}: the number must be below {NUMBER_LIMIT} in size.", field="attributes")
    if number != number.quantize(Decimal(1).scaleb(-NUMBER_DECIMAL_PLACES)):
        raise InvalidAttributeValue(
            f"{slug}: at most {NUMBER_DECIMAL_PLACES} decimal places are kept.", field="attributes"
        )
    return number


def _attribute_value_row(*, product: Product, attribute: Attribute, raw) -> ProductAttributeValue:
    slug = attribute.slug
    if attribute.kind == Attribute.Kind.NUMBER:
        return ProductAttributeValue(product=product, attribute=attribute, number=_number_of(raw, slug=slug))
    if attribute.kind == Attribute.Kind.BOOLEAN:
        if not isinstance(raw, bool):
            raise InvalidAttributeValue(f"{slug}: true or false is expected.", field="attributes")
        raw = "true" if raw else "false"
    if not isinstance(raw, str):
        raise InvalidAttributeValue(f"{slug}: the slug of one of its values is expected.", field="attributes")
    value = next((value for value in attribute.values.all() if value.slug == raw), None)
    if value is None:
        raise InvalidAttributeValue(f"{slug}: {raw!r} is not one of its values.", field="attributes")
    return ProductAttributeValue(product=product, attribute=attribute, value=value)


@transaction.atomic
def product_attributes_set(*, product: Product, values: dict[str, object]) -> Product:
    """Replace the product's attribute values with `values` (attribute slug to a value slug, a number, or true
    or false for a boolean attribute). Everything is checked before anything is written."""
    _product_lock(product=product)
    attributes = {
        attribute.slug: attribute
        for attribute in Attribute.objects.filter(slug__in=list(values)).prefetch_related("values", "categories")
    }
    rows = []
    for slug, raw in values.items():
        attribute = attributes.get(slug)
        if attribute is None:
            raise UnknownAttribute(f"{slug}: no attribute with this slug.", field="attributes")
        category_ids = {category.pk for category in attribute.categories.all()}
        if category_ids and product.category_id not in category_ids:
            raise AttributeNotInCategory(f"{slug}: not an attribute of this product's category.", field="attributes")
        rows.append(_attribute_value_row(product=product, attribute=attribute, raw=raw))
    ProductAttributeValue.objects.filter(product=product).delete()
    ProductAttributeValue.objects.bulk_create(rows)
    product_attribute_copies_refresh(product_ids=[product.pk])
    return product
