import re
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.text import slugify
from rest_framework.exceptions import ValidationError

from store.exceptions import CategoryNotEmpty
from store.models import Category, Product

SLUG_ATTEMPTS = 5

ModelT = TypeVar("ModelT", bound=models.Model)


def _slug_unique(*, model: type[models.Model], name: str, fallback: str) -> str:
    """A slug for `name` not yet used by `model`: `phone`, then `phone-2`, `phone-3`, ..."""
    max_length = model._meta.get_field("slug").max_length
    base = slugify(name)[: max_length - 8].strip("-") or fallback
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


def _save_with_unique_slug(*, instance: ModelT, generate_slug: Callable[[], str] | None) -> ModelT:
    """Save `instance`; a generated slug taken by a concurrent write is regenerated, other duplicates are a 400."""
    attempt = 1
    while True:
        if generate_slug is not None:
            instance.slug = generate_slug()
        try:
            with transaction.atomic():
                instance.save()
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
            raise ValidationError({field: [message]}) from error


def _category_lock(*, category: Category) -> Category:
    """Hold the category for the rest of the transaction, so it cannot be deleted under a product being saved.

    FOR NO KEY UPDATE conflicts with `category_delete`'s FOR UPDATE; a category deleted meanwhile is a 400.
    """
    locked = Category.objects.select_for_update(no_key=True).filter(pk=category.pk).first()
    if locked is None:
        raise ValidationError({"category_id": [f'Invalid pk "{category.pk}" - object does not exist.']})
    return locked


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
    return _save_with_unique_slug(instance=category, generate_slug=None)


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
) -> Product:
    product = Product(
        category=_category_lock(category=category),
        name=name,
        sku=sku,
        price=price,
        discount_price=discount_price,
        stock=stock,
        description=description,
        is_active=is_active,
        slug=slug or "",
    )
    generate = None if slug else (lambda: _slug_unique(model=Product, name=name, fallback="product"))
    return _save_with_unique_slug(instance=product, generate_slug=generate)


@transaction.atomic
def product_update(*, product: Product, **fields) -> Product:
    """Change any writable field. The slug stays as it is unless it is given: links keep working on rename."""
    if "category" in fields:
        fields["category"] = _category_lock(category=fields["category"])
    for name, value in fields.items():
        setattr(product, name, value)
    return _save_with_unique_slug(instance=product, generate_slug=None)


@transaction.atomic
def product_delete(*, product: Product) -> None:
    product.delete()
