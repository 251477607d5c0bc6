import logging
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils.text import slugify
from rest_framework.exceptions import ValidationError

from accounts.models import User
from accounts.roles import is_manager
from accounts.selectors import profile_get_for_user
from store.exceptions import (
    CartEmpty,
    CartItemNotFound,
    CartQuantityInvalid,
    CategoryNotEmpty,
    InsufficientStock,
    InvalidStatusTransition,
    ProductNotFound,
    ProductUnavailable,
    StockChanged,
    StockOutOfRange,
)
from store.models import Cart, CartItem, Category, Order, OrderItem, Product

SLUG_ATTEMPTS = 5
# Stock is a PostgreSQL integer.
STOCK_MAX = 2_147_483_647
# Why a manager changed the stock by hand (the API's PATCH with `stock`, the admin's forms).
STOCK_REASON_ADJUSTMENT = "adjustment"

logger = logging.getLogger(__name__)

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
            raise ValidationError({field: [message]}) from error


def _category_lock(*, category: Category) -> Category:
    """Hold the category for the rest of the transaction, so it cannot be deleted under a product being saved.

    FOR NO KEY UPDATE conflicts with `category_delete`'s FOR UPDATE; a category deleted meanwhile is a 400.
    """
    locked = Category.objects.select_for_update(no_key=True).filter(pk=category.pk).first()
    if locked is None:
        raise ValidationError({"category_id": [f'Invalid pk "{category.pk}" - object does not exist.']})
    return locked


def _line_detail(*, product_id: int, requested: int, available: int) -> dict[str, int]:
    return {"product_id": product_id, "requested": requested, "available": available}


def _products_lock(*, product_ids: Iterable[int]) -> list[Product]:
    """Row-lock products in primary-key order, the one order every stock writer uses, so that two writers
    never wait on each other in a cycle. NO KEY UPDATE is enough for a stock change and leaves inserts of
    cart lines and order items that reference the product unblocked."""
    return list(
        Product.objects.filter(pk__in=set(product_ids))
        .only("pk", "name", "sku", "price", "discount_price", "stock", "is_active")
        .order_by("pk")
        .select_for_update(of=("self",), no_key=True)
    )


def _product_lock(*, product: Product) -> Product:
    locked = _products_lock(product_ids=[product.pk])
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
def product_stock_adjust(*, product: Product, delta: int, reason: str, actor: User | None) -> Product:
    """Add `delta` units to the stock (remove them when negative): the one way stock changes besides checkout
    and cancel. The row is locked as those lock it, and the change is relative to the stock under the lock,
    so it keeps every sale made meanwhile. A result below zero is `insufficient_stock`."""
    locked = _product_lock(product=product)
    result = locked.stock + delta
    if result < 0:
        raise InsufficientStock(
            f"Only {locked.stock} in stock; cannot remove {-delta}.",
            items=[_line_detail(product_id=product.pk, requested=-delta, available=locked.stock)],
        )
    if result > STOCK_MAX:
        raise StockOutOfRange(f"The stock cannot exceed {STOCK_MAX}.", stock=locked.stock)
    if delta:
        Product.objects.filter(pk=product.pk).update(stock=F("stock") + delta, updated_at=Now())
        logger.info(
            "Stock of product %s changed by %+d to %d (%s, by %s).",
            product.pk,
            delta,
            result,
            reason,
            actor.pk if actor else "system",
        )
    product.stock = result
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
    return {product.pk: product.stock for product in _products_lock(product_ids=product_ids)}


@transaction.atomic
def product_delete(*, product: Product) -> None:
    product.delete()


# --- cart, checkout, orders ---------------------------------------------------------------------------------


# Where a manager may move an order. Cancelling goes through `order_cancel`, which restores the stock.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    Order.Status.PENDING: {Order.Status.PAID, Order.Status.CANCELLED},
    Order.Status.PAID: {Order.Status.SHIPPED, Order.Status.CANCELLED},
    Order.Status.SHIPPED: {Order.Status.DELIVERED},
    Order.Status.DELIVERED: set(),
    Order.Status.CANCELLED: set(),
}


def _cart_lock(*, user: User) -> Cart:
    """The user's cart, created on first use and row-locked: cart edits and checkouts of one user run one at a time."""
    cart, _ = Cart.objects.select_for_update().get_or_create(user=user)
    return cart


@transaction.atomic
def cart_item_add(*, user: User, product: Product, quantity: int) -> tuple[CartItem, bool]:
    """Add `quantity` of an active product to the user's cart, merging with an existing line.

    Returns the line and whether it is new. The merged quantity may not exceed the stock."""
    cart = _cart_lock(user=user)
    item = CartItem.objects.select_related("product").filter(cart=cart, product=product).first()
    in_cart = item.quantity if item else 0
    if in_cart + quantity > product.stock:
        raise CartQuantityInvalid(
            f"Only {product.stock} of this product in stock; {in_cart} already in the cart.",
            items=[_line_detail(product_id=product.pk, requested=in_cart + quantity, available=product.stock)],
        )
    if item is None:
        return CartItem.objects.create(cart=cart, product=product, quantity=quantity), True
    item.quantity = in_cart + quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item, False


def _cart_item_locked(*, user: User, item_id: int) -> CartItem:
    cart = _cart_lock(user=user)
    item = CartItem.objects.select_related("product").filter(pk=item_id, cart=cart).first()
    if item is None:
        raise CartItemNotFound()
    return item


@transaction.atomic
def cart_item_update(*, user: User, item_id: int, quantity: int) -> CartItem:
    """Set the quantity of one of the user's cart lines (1..stock of an active product)."""
    item = _cart_item_locked(user=user, item_id=item_id)
    product = item.product
    available = product.stock if product.is_active else 0
    if quantity > available:
        detail = f"Only {available} of this product in stock." if product.is_active else "This product is not for sale."
        raise CartQuantityInvalid(
            detail, items=[_line_detail(product_id=product.pk, requested=quantity, available=available)]
        )
    item.quantity = quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item


@transaction.atomic
def cart_item_delete(*, user: User, item_id: int) -> None:
    _cart_item_locked(user=user, item_id=item_id).delete()


@transaction.atomic
def order_place(*, user: User, idempotency_key: str = "") -> tuple[Order, bool]:
    """Turn the user's cart into a pending order; returns the order and whether it was created now.

    With an idempotency key, a repeated call returns the order first placed with that key and changes
    nothing. The cart row lock makes one user's checkouts run one at a time, so a concurrent retry waits
    for the first attempt and then finds its order. Product rows are locked in primary-key order and
    checked under the lock; on any shortfall nothing is written."""
    cart = _cart_lock(user=user)
    if idempotency_key:
        placed = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if placed is not None:
            return placed, False
    lines = list(cart.items.order_by("product_id"))
    if not lines:
        raise CartEmpty()

    products = {product.pk: product for product in _products_lock(product_ids=[line.product_id for line in lines])}
    unavailable = [line for line in lines if line.product_id not in products or not products[line.product_id].is_active]
    if unavailable:
        raise ProductUnavailable(
            items=[
                _line_detail(product_id=line.product_id, requested=line.quantity, available=0) for line in unavailable
            ]
        )
    short = [line for line in lines if products[line.product_id].stock < line.quantity]
    if short:
        raise InsufficientStock(
            items=[
                _line_detail(
                    product_id=line.product_id, requested=line.quantity, available=products[line.product_id].stock
                )
                for line in short
            ]
        )

    for line in lines:
        products[line.product_id].stock -= line.quantity
    Product.objects.bulk_update(products.values(), ["stock"])

    profile = profile_get_for_user(user=user)
    order = Order.objects.create(
        user=user,
        status=Order.Status.PENDING,
        total_amount=sum((products[line.product_id].final_price * line.quantity for line in lines), Decimal("0.00")),
        phone=profile.phone,
        address=profile.address,
        city=profile.city,
        country=profile.country,
        postal_code=profile.postal_code,
        idempotency_key=idempotency_key,
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=products[line.product_id],
            product_name=products[line.product_id].name,
            sku=products[line.product_id].sku,
            quantity=line.quantity,
            price_at_purchase=products[line.product_id].final_price,
        )
        for line in lines
    )
    CartItem.objects.filter(cart=cart).delete()
    return order, True


def _order_lock(*, order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def _stock_restore(*, order: Order) -> None:
    quantities = {item.product_id: item.quantity for item in order.items.exclude(product=None)}
    products = _products_lock(product_ids=quantities)
    for product in products:
        product.stock += quantities[product.pk]
    Product.objects.bulk_update(products, ["stock"])


@transaction.atomic
def order_cancel(*, order_id: int, by: User) -> Order:
    """Cancel an order and put its items back in stock.

    The owner may cancel while the order is pending, managers and admins until it ships. The order row is
    locked first, so a cancel racing a status change sees the status the other one left."""
    order = _order_lock(order_id=order_id)
    is_staff = is_manager(by)
    if not is_staff and order.user_id != by.pk:
        raise PermissionDenied("Only the customer who placed the order can cancel it.")
    allowed_from = {Order.Status.PENDING, Order.Status.PAID} if is_staff else {Order.Status.PENDING}
    if order.status not in allowed_from:
        raise InvalidStatusTransition(f"An order that is {order.status} cannot be cancelled.")
    _stock_restore(order=order)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    return order


@transaction.atomic
def order_status_change(*, order_id: int, status: str, by: User) -> Order:
    """Move an order along pending → paid → shipped → delivered; cancelling restores the stock."""
    if status == Order.Status.CANCELLED:
        return order_cancel(order_id=order_id, by=by)
    order = _order_lock(order_id=order_id)
    if status not in ORDER_TRANSITIONS[order.status]:
        raise InvalidStatusTransition(f"An order that is {order.status} cannot become {status}.")
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    return order
