"""Reviews: one per customer and product, from customers who received it, and the product's rating over the visible
ones. Every change rewrites `Product.rating_average` and `rating_count` in its own transaction, under the product's
row lock, so concurrent changes to one product's reviews leave the exact figures."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Avg, Count, DecimalField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from accounts.models import User
from store.catalog_cache import catalog_version_bump
from store.errors import ReviewExists, ReviewNotAllowed
from store.models import Order, OrderItem, Product, Review

RATING_FIELD = DecimalField(max_digits=3, decimal_places=2)


def review_is_allowed(*, user: User, product: Product) -> bool:
    """Whether the user received the product: one of their delivered orders holds it."""
    return OrderItem.objects.filter(
        order__user=user, order__status=Order.Status.DELIVERED, product_id=product.pk
    ).exists()


def _product_lock(*, product: Product) -> None:
    list(Product.objects.select_for_update(no_key=True).filter(pk=product.pk).values_list("pk", flat=True))


def product_ratings_refresh(*, product_ids: Iterable[int]) -> None:
    """Recompute the products' ratings from their visible reviews, in one statement. The caller holds the
    products' row locks, taken before it changed their reviews, so no concurrent change is left out."""
    visible = Review.objects.filter(product_id=OuterRef("pk"), is_hidden=False).order_by().values("product_id")
    Product.objects.filter(pk__in=product_ids).update(
        rating_count=Coalesce(Subquery(visible.annotate(count=Count("id")).values("count")), 0),
        rating_average=Coalesce(
            Subquery(visible.annotate(average=Round(Avg("rating"), 2, output_field=RATING_FIELD)).values("average")),
            Value(Decimal("0.00")),
            output_field=RATING_FIELD,
        ),
    )
    catalog_version_bump()


@transaction.atomic
def review_create(*, user: User, product: Product, rating: int, title: str = "", body: str = "") -> Review:
    if not review_is_allowed(user=user, product=product):
        raise ReviewNotAllowed()
    _product_lock(product=product)
    existing = Review.objects.filter(product_id=product.pk, user=user).values_list("pk", flat=True).first()
    if existing is not None:
        raise ReviewExists(review_id=existing)
    review = Review.objects.create(product=product, user=user, rating=rating, title=title, body=body)
    product_ratings_refresh(product_ids=[product.pk])
    return review


@transaction.atomic
def review_update(*, review: Review, **fields: int | str) -> Review:
    """Change the rating, title or body given; only those columns are written."""
    _product_lock(product=review.product)
    for name, value in fields.items():
        setattr(review, name, value)
    review.save(update_fields=[*fields, "updated_at"])
    if "rating" in fields:
        product_ratings_refresh(product_ids=[review.product_id])
    return review


@transaction.atomic
def review_delete(*, review: Review) -> None:
    _product_lock(product=review.product)
    review.delete()
    product_ratings_refresh(product_ids=[review.product_id])


@transaction.atomic
def review_hidden_set(*, review: Review, is_hidden: bool, by: User | None) -> Review:
    """Hide a review (it leaves the public list and the rating) or show it again; a no-op when already so."""
    _product_lock(product=review.product)
    locked = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    if locked.is_hidden != is_hidden:
        locked.is_hidden = is_hidden
        locked.hidden_by = by if is_hidden else None
        locked.hidden_at = timezone.now() if is_hidden else None
        locked.save(update_fields=["is_hidden", "hidden_by", "hidden_at", "updated_at"])
        product_ratings_refresh(product_ids=[review.product_id])
    review.is_hidden, review.hidden_by, review.hidden_at = locked.is_hidden, locked.hidden_by, locked.hidden_at
    review.updated_at = locked.updated_at
    return review
