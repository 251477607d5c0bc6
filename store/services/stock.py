"""The stock ledger: every change of a product's stock is applied here, with one `StockMovement` per product
written in the same transaction, so that a product's stock is always the sum of its movements' deltas."""

from collections.abc import Iterable

from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from store.catalog_cache import catalog_version_bump
from store.constants import MAX_STOCK
from store.errors import InsufficientStock, StockOutOfRange
from store.models import Order, Product, RestockOrder, StockMovement


def stock_apply(
    *,
    locked: Iterable[Product],
    deltas: dict[int, int],
    reason: str,
    order: Order | None = None,
    restock_order: RestockOrder | None = None,
    actor: User | None = None,
    note: str = "",
) -> list[StockMovement]:
    """Add `deltas[product.pk]` units to each of the `locked` products (rows the caller locked in primary-key
    order, with the stock read under the lock) and record the movements: one UPDATE and one INSERT whatever
    the number of products. A result below zero is `insufficient_stock`, above MAX_STOCK `stock_out_of_range`;
    then nothing changes. Products whose stock went from 0 to positive get their back-in-stock emails after
    the commit."""
    if reason not in StockMovement.Reason.values:
        raise ValueError(f"Unknown stock movement reason: {reason!r}")
    changed = [product for product in locked if deltas.get(product.pk)]
    short = [product for product in changed if product.stock + deltas[product.pk] < 0]
    if short:
        raise InsufficientStock(
            items=[
                {"product_id": product.pk, "requested": -deltas[product.pk], "available": product.stock}
                for product in short
            ]
        )
    for product in changed:
        if product.stock + deltas[product.pk] > MAX_STOCK:
            raise StockOutOfRange(f"The stock cannot exceed {MAX_STOCK}.", stock=product.stock)
    if not changed:
        return []
    replenished = [product.pk for product in changed if product.stock == 0]
    changed_at = timezone.now()
    for product in changed:
        product.stock += deltas[product.pk]
        product.updated_at = changed_at
    Product.objects.bulk_update(changed, ["stock", "updated_at"])
    catalog_version_bump()
    movements = StockMovement.objects.bulk_create(
        StockMovement(
            product=product,
            delta=deltas[product.pk],
            reason=reason,
            order=order,
            restock_order=restock_order,
            actor=actor,
            note=note,
        )
        for product in changed
    )
    if replenished:
        _back_in_stock_enqueue(product_ids=replenished)
    return movements


def _back_in_stock_enqueue(*, product_ids: list[int]) -> None:
    # The task module imports the jobs, which import the services: imported here, when a product is replenished.
    from duka_app.ops.queue import enqueue_on_commit
    from store.tasks import back_in_stock_alerts

    enqueue_on_commit(back_in_stock_alerts, product_ids)


def stock_mismatches() -> list[tuple[int, int, int]]:
    """Products whose stock is not the sum of their movements: `(product_id, stock, sum of deltas)`, by id."""
    totals = (
        Product.objects.annotate(ledger=Sum("stock_movements__delta", default=0))
        .order_by("pk")
        .values_list("pk", "stock", "ledger")
    )
    return [(pk, stock, ledger) for pk, stock, ledger in totals if stock != ledger]
