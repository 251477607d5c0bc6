"""Restocking: orders to suppliers, drafted by a manager or proposed by the low-stock job, then ordered and
received into stock through the ledger."""

from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from store.errors import (
    InvalidRestockTransition,
    ProductNotFound,
    RestockLineUnknown,
    RestockQuantityAboveOrdered,
)
from store.models import Product, RestockOrder, RestockOrderLine, StockMovement
from store.services.catalog import products_lock
from store.services.stock import stock_apply

Status = RestockOrder.Status


def _restock_order_lock(*, restock_order_id: int) -> RestockOrder:
    return RestockOrder.objects.select_for_update(of=("self",)).get(pk=restock_order_id)


def _lines_replace(*, restock_order: RestockOrder, lines: Iterable[dict]) -> None:
    """The order's lines become `lines` (`{product_id, quantity}`, one per product)."""
    quantities = {line["product_id"]: line["quantity"] for line in lines}
    known = set(Product.objects.filter(pk__in=quantities).values_list("pk", flat=True))
    missing = sorted(set(quantities) - known)
    if missing:
        raise ProductNotFound(f"No product with id {missing[0]}.", field="lines")
    restock_order.lines.all().delete()
    RestockOrderLine.objects.bulk_create(
        RestockOrderLine(restock_order=restock_order, product_id=product_id, quantity_ordered=quantity)
        for product_id, quantity in sorted(quantities.items())
    )


@transaction.atomic
def restock_order_create(
    *,
    actor: User | None,
    lines: Iterable[dict],
    supplier_name: str = "",
    supplier_reference: str = "",
    expected_date: date | None = None,
    note: str = "",
) -> RestockOrder:
    restock_order = RestockOrder.objects.create(
        created_by=actor,
        supplier_name=supplier_name,
        supplier_reference=supplier_reference,
        expected_date=expected_date,
        note=note,
    )
    _lines_replace(restock_order=restock_order, lines=lines)
    return restock_order


@transaction.atomic
def restock_order_update(*, restock_order_id: int, lines: Iterable[dict] | None = None, **fields) -> RestockOrder:
    """Change a draft: the given fields, and all its lines when `lines` is given."""
    restock_order = _restock_order_lock(restock_order_id=restock_order_id)
    if restock_order.status != Status.DRAFT:
        raise InvalidRestockTransition(f"A restock order that is {restock_order.status} can no longer be changed.")
    for name, value in fields.items():
        setattr(restock_order, name, value)
    restock_order.save(update_fields=[*fields, "updated_at"])
    if lines is not None:
        _lines_replace(restock_order=restock_order, lines=lines)
    return restock_order


@transaction.atomic
def restock_order_place(*, restock_order_id: int) -> RestockOrder:
    """The draft was sent to the supplier: it is `ordered`, and can be received."""
    restock_order = _restock_order_lock(restock_order_id=restock_order_id)
    if restock_order.status != Status.DRAFT:
        raise InvalidRestockTransition(f"A restock order that is {restock_order.status} cannot be ordered.")
    restock_order.status = Status.ORDERED
    restock_order.ordered_at = timezone.now()
    restock_order.save(update_fields=["status", "ordered_at", "updated_at"])
    return restock_order


@transaction.atomic
def restock_order_cancel(*, restock_order_id: int) -> RestockOrder:
    """Cancel an order whose goods have not all arrived; what was received stays in stock."""
    restock_order = _restock_order_lock(restock_order_id=restock_order_id)
    if restock_order.status not in RestockOrder.OPEN_STATUSES:
        raise InvalidRestockTransition(f"A restock order that is {restock_order.status} cannot be cancelled.")
    restock_order.status = Status.CANCELLED
    restock_order.save(update_fields=["status", "updated_at"])
    return restock_order


@transaction.atomic
def restock_order_receive(*, restock_order_id: int, lines: Iterable[dict], actor: User | None) -> RestockOrder:
    """Take delivered goods (`{product_id, quantity}`, one per product) into stock through the ledger.

    The restock order is locked first, so two receipts of it run one after the other and each sees what the
    other received; then the products, in primary-key order as every stock writer locks them. A product not
    on the order, or more than is still outstanding on its line, is a 400 and nothing changes."""
    restock_order = _restock_order_lock(restock_order_id=restock_order_id)
    if restock_order.status not in {Status.ORDERED, Status.PARTIALLY_RECEIVED}:
        raise InvalidRestockTransition(f"A restock order that is {restock_order.status} cannot be received.")
    quantities = {line["product_id"]: line["quantity"] for line in lines}
    order_lines = {line.product_id: line for line in restock_order.lines.all()}
    unknown = sorted(set(quantities) - set(order_lines))
    if unknown:
        raise RestockLineUnknown(f"Product {unknown[0]} is not on this restock order.", field="lines")
    for product_id, quantity in sorted(quantities.items()):
        line = order_lines[product_id]
        outstanding = line.quantity_ordered - line.quantity_received
        if quantity > outstanding:
            raise RestockQuantityAboveOrdered(
                f"Product {product_id}: {quantity} received but only {outstanding} still expected.",
                product_id=product_id,
                outstanding=outstanding,
            )
    stock_apply(
        locked=products_lock(product_ids=quantities),
        deltas=quantities,
        reason=StockMovement.Reason.RESTOCK_RECEIVED,
        restock_order=restock_order,
        actor=actor,
    )
    for product_id, quantity in quantities.items():
        order_lines[product_id].quantity_received += quantity
    RestockOrderLine.objects.bulk_update([order_lines[pk] for pk in quantities], ["quantity_received"])
    complete = all(line.quantity_received == line.quantity_ordered for line in order_lines.values())
    restock_order.status = Status.RECEIVED if complete else Status.PARTIALLY_RECEIVED
    restock_order.received_at = timezone.now() if complete else None
    restock_order.save(update_fields=["status", "received_at", "updated_at"])
    return restock_order


@transaction.atomic
def restock_order_propose(*, quantities: dict[int, int]) -> RestockOrder | None:
    """A draft restock order for the products in `quantities` (product id → units) that no open restock order
    covers yet; None when all are covered. Open orders are read under a transaction-level advisory lock, so
    two runs of the low-stock job never propose the same product twice."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('store.restock_order_propose'))")
    covered = set(
        RestockOrderLine.objects.filter(
            product_id__in=quantities, restock_order__status__in=RestockOrder.OPEN_STATUSES
        ).values_list("product_id", flat=True)
    )
    wanted = {product_id: quantity for product_id, quantity in quantities.items() if product_id not in covered}
    if not wanted:
        return None
    restock_order = RestockOrder.objects.create(note="Proposed by the low-stock alert.")
    RestockOrderLine.objects.bulk_create(
        RestockOrderLine(restock_order=restock_order, product_id=product_id, quantity_ordered=quantity)
        for product_id, quantity in sorted(wanted.items())
    )
    return restock_order
