"""The catalog: categories and products, and the one way stock changes by hand."""

import logging
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from accounts.models import User
from store.errors import (
    CategoryGone,
    CategoryNotEmpty,
    InsufficientStock,
    ProductNotFound,
    ProductOnRestockOrder,
    StockChanged,
    UniqueValueTaken,
)
from store.models import Category, Order, Product, RestockOrder, StockMovement
from store.services.stock import stock_apply

SLUG_ATTEMPTS = 5
# Why a manager changed the stock by hand (the API's PATCH with `stock`, the admin's forms).
STOCK_REASON_ADJUSTMENT = StockMovement.Reason.ADJUSTMENT

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=models.Model)


def slug_from(text: str) -> str:
    """Lower-case letters, digits and single hyphens: Django's slugify, with underscores made hyphens too (an
    attribute's slug is followed by `_min`/`_max` in filter names)."""
    return re.sub(r"[-_]+", "-", slugify(text)).strip("-")


def _slug_unique(*, model: type[models.Model], name: str, fallback: str) -> str:
    """A slug for `name` not yet used by `model`: `phone`, then `phone-2`, `phone-3`, ..."""
    max_length = model._meta.get_field("slug").max_length
    base = slug_from(name)[: max_length - 8].strip("-") or fallback
    pattern = re.compile(rf"^{re.escape(base)}(?:-(\d+))?$")
    suffixes = []
    for slug in model.objects.filter(slug__startswith=base).values_list("slug", flat=True):
        if match := pattern.match(slug):
            suffixes.append(int(match.group(1) or 1))
    return f"{base}-{max(suffixes) + 1}" if suffixes else base


def _unique_field_of(error: IntegrityError, model: type[models.Model]) -> str | None:
    """The field whose single-column unique constraint `error` violated (PostgreSQL names them <table>_<column>_key)."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key and constraint == f"{model._meta.db_table}_{field.column}_key":
            return field.name
    return None


def _save_with_unique_slug(
    *, instance: ModelT, generate_slug: Callable[[], str] | None, update_fields: list[str] | None = None
) -> ModelT:
    """Save `instance` (an update writes only `update_fields`, so it never writes back a column read earlier);
    a generated slug taken by a concurrent write is regenerated, other duplicates are a 400."""
    attempt = 1
    while True:
        if generate_slug is not None:
            instance.slug = generate_slug()
        try:
            with transaction.atomic():
                instance.save(update_fields=update_fields)
            return instance
        except IntegrityError as error:
            field = _unique_field_of(error, type(instance))
            if field == "slug" and generate_slug is not None and attempt < SLUG_ATTEMPTS:
                attempt += 1
                continue
            if field is None:
                raise
            meta = type(instance)._meta
            message = f"A {meta.verbose_name} with this {meta.get_field(field).verbose_name} already exists."
            raise UniqueValueTaken(message, field=field) from error


def _category_lock(*, category: Category) -> Category:
    """Hold the category for the rest of the transaction, so it cannot be deleted under a product being saved.

    FOR NO KEY UPDATE conflicts with `category_delete`'s FOR UPDATE; a category deleted meanwhile is a 400.
    """
    locked = Category.objects.select_for_update(no_key=True).filter(pk=category.pk).first()
    if locked is None:
        raise CategoryGone(f'Invalid pk "{category.pk}" - object does not exist.', field="category_id")
    return locked


def line_detail(*, product_id: int, requested: int, available: int) -> dict[str, int]:
    return {"product_id": product_id, "requested": requested, "available": available}


def products_lock(*, product_ids: Iterable[int]) -> list[Product]:
    """Row-lock products in primary-key order, the one order every stock writer uses, so that two writers
    never wait on each other in a cycle. NO KEY UPDATE is enough for a stock change and leaves inserts of
    cart lines and order items that reference the product unblocked."""
    return list(
        Product.objects.filter(pk__in=set(product_ids))
        .only("pk", "category_id", "name", "sku", "price", "discount_price", "stock", "is_active")
        .order_by("pk")
        .select_for_update(of=("self",), no_key=True)
    )


def _product_lock(*, product: Product) -> Product:
    locked = products_lock(product_ids=[product.pk])
    if not locked:
        raise ProductNotFound()
    return locked[0]


@transaction.atomic
def category_create(*, name: str, description: str = "", slug: str | None = None) -> Category:
    category = Category(name=name, description=description, slug=slug or "")
    generate = None if slug else (lambda: _slug_unique(model=Category, name=name, fallback="category"))
    return _save_with_unique_slug(instance=category, generate_slug=generate)


@transaction.atomic
def category_update(*, category: Category, **fields: str) -> Category:
    """Change name, description or slug. The slug stays as it is unless it is given: links keep working on rename."""
    for name, value in fields.items():
        setattr(category, name, value)
    return _save_with_unique_slug(instance=category, generate_slug=None, update_fields=[*fields, "updated_at"])


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete an empty category. The row lock makes a concurrent product insert into it wait for the outcome."""
    locked = Category.objects.select_for_update().get(pk=category.pk)
    product_count = locked.products.count()
    if product_count:
        raise CategoryNotEmpty(product_count=product_count)
    locked.delete()


@transaction.atomic
def product_create(
    *,
    category: Category,
    name: str,
    sku: str,
    price: Decimal,
    discount_price: Decimal | None = None,
    stock: int = 0,
    description: str = "",
    is_active: bool = True,
    slug: str | None = None,
    reorder_level: int | None = None,
    reorder_quantity: int | None = None,
    actor: User | None = None,
) -> Product:
    """A new product; its initial stock is its opening `adjustment` in the ledger."""
    product = Product(
        category=_category_lock(category=category),
        name=name,
        sku=sku,
        price=price,
        discount_price=discount_price,
        stock=0,
        description=description,
        is_active=is_active,
        slug=slug or "",
        reorder_level=reorder_level,
        reorder_quantity=reorder_quantity,
    )
    generate = None if slug else (lambda: _slug_unique(model=Product, name=name, fallback="product"))
    _save_with_unique_slug(instance=product, generate_slug=generate)
    stock_apply(
        locked=[product], deltas={product.pk: stock}, reason=STOCK_REASON_ADJUSTMENT, actor=actor, note="Opening stock"
    )
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    actor: User | None = None,
    stock: int | None = None,
    expected_stock: int | None = None,
    **fields,
) -> Product:
    """Change the given fields and nothing else. The slug stays as it is unless it is given: links keep working.

    Stock is no plain field: customers buy while a manager edits, so an absolute `stock` is accepted only
    with the `expected_stock` the manager last saw, and applied as the difference between the two (see
    `product_stock_set`). A new category is locked before the product row, as a category rename (whose
    trigger rewrites its products' search documents) holds the category while it waits for product rows.
    """
    if not fields and stock is None:
        return product
    if "category" in fields:
        fields["category"] = _category_lock(category=fields["category"])
    _product_lock(product=product)
    if stock is not None:
        product_stock_set(product=product, stock=stock, expected_stock=expected_stock, actor=actor)
    if not fields:
        return product
    for name, value in fields.items():
        setattr(product, name, value)
    return _save_with_unique_slug(instance=product, generate_slug=None, update_fields=[*fields, "updated_at"])


@transaction.atomic
def product_stock_move(
    *,
    product: Product,
    delta: int,
    reason: str,
    actor: User | None,
    order: Order | None = None,
    restock_order: RestockOrder | None = None,
    note: str = "",
) -> StockMovement | None:
    """Add `delta` units to the stock (remove them when negative) through the ledger, for one product; returns
    the movement (None for a delta of 0). The row is locked as checkout and cancel lock it, and the change is
    relative to the stock under the lock, so it keeps every sale made meanwhile. A result below zero is
    `insufficient_stock`. `product.stock` becomes the new stock."""
    locked = _product_lock(product=product)
    try:
        movements = stock_apply(
            locked=[locked],
            deltas={locked.pk: delta},
            reason=reason,
            order=order,
            restock_order=restock_order,
            actor=actor,
            note=note,
        )
    except InsufficientStock as error:
        raise InsufficientStock(
            f"Only {locked.stock} in stock; cannot remove {-delta}.", items=error.data["items"]
        ) from None
    if delta:
        logger.info(
            "Stock of product %s changed by %+d to %d (%s, by %s).",
            product.pk,
            delta,
            locked.stock,
            reason,
            actor.pk if actor else "system",
        )
    product.stock = locked.stock
    return movements[0] if movements else None


def product_stock_adjust(
    *,
    product: Product,
    delta: int,
    reason: str,
    actor: User | None,
    order: Order | None = None,
    restock_order: RestockOrder | None = None,
    note: str = "",
) -> Product:
    """`product_stock_move`, returning the product with its new stock."""
    product_stock_move(
        product=product, delta=delta, reason=reason, actor=actor, order=order, restock_order=restock_order, note=note
    )
    return product


@transaction.atomic
def product_stock_set(*, product: Product, stock: int, expected_stock: int, actor: User | None) -> Product:
    """Set the stock to `stock` if it still is `expected_stock`, the value the manager last saw; otherwise
    `stock_changed` with the current stock, and nothing changes."""
    current = _product_lock(product=product).stock
    if current != expected_stock:
        raise StockChanged(stock=current)
    return product_stock_adjust(
        product=product, delta=stock - expected_stock, reason=STOCK_REASON_ADJUSTMENT, actor=actor
    )


def product_stock_lock(*, product_ids: Iterable[int], category: Category | None = None) -> dict[int, int]:
    """Lock the products as every stock writer does (primary-key order) and return their current stock,
    for a caller that checks stock changes before applying them (the admin's forms). When the products
    also move to `category`, it is locked first, in `product_update`'s order."""
    if category is not None:
        _category_lock(category=category)
    return {product.pk: product.stock for product in products_lock(product_ids=product_ids)}


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product with its ledger, images and attribute values. Restock order lines protect it: they
    record what was bought from a supplier."""
    try:
        product.delete()
    except ProtectedError as error:
        raise ProductOnRestockOrder() from error
