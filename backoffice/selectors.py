"""The back office dashboard's queries: sales, the orders waiting on the store, stock to reorder.

Each function is one query (or two for the order queues); the security figures come from core/dashboard.py."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from store.models import Order, Product, RestockOrder

# Orders whose money is in: they count as revenue on the day they were placed.
REVENUE_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.DELIVERED)


def sales_per_day(*, day_to: date, days: int) -> list[dict]:
    """Orders placed and revenue (the totals of those paid, shipped or delivered) for each of the `days` days up
    to `day_to`, oldest first, days without orders included as zeros."""
    day_from = day_to - timedelta(days=days - 1)
    # A range on `created_at` itself, so its index serves it; the days are then the current time zone's.
    start = timezone.make_aware(datetime.combine(day_from, time.min))
    end = timezone.make_aware(datetime.combine(day_to + timedelta(days=1), time.min))
    rows = (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            orders=Count("pk"),
            revenue=Coalesce(Sum("total_amount", filter=Q(status__in=REVENUE_STATUSES)), Decimal("0.00")),
        )
    )
    by_day = {row["day"]: row for row in rows}
    return [
        {
            "day": day,
            "orders": by_day.get(day, {}).get("orders", 0),
            "revenue": by_day.get(day, {}).get("revenue", Decimal("0.00")),
        }
        for day in (day_from + timedelta(days=offset) for offset in range(days))
    ]


def orders_per_status() -> dict[str, int]:
    """How many orders are in each status, every status listed."""
    counts = dict(Order.objects.order_by().values_list("status").annotate(count=Count("pk")))
    return {status: counts.get(status, 0) for status in Order.Status.values}


def orders_in_status(*, status: str, limit: int) -> list[Order]:
    """The oldest orders in a status (the ones waited on longest first), with their customer."""
    return list(Order.objects.filter(status=status).select_related("user").order_by("created_at", "pk")[:limit])


def low_stock_products(*, limit: int) -> list[Product]:
    """Active products at or under their reorder level (`LOW_STOCK_THRESHOLD` when they have none), lowest first."""
    level = Coalesce("reorder_level", settings.LOW_STOCK_THRESHOLD)
    return list(
        Product.objects.filter(is_active=True, stock__lte=level)
        .only("pk", "name", "sku", "stock", "reorder_level")
        .order_by("stock", "name", "pk")[:limit]
    )


def open_restock_orders(*, limit: int) -> list[RestockOrder]:
    """Restock orders not yet received or cancelled, with the units still expected, the oldest first."""
    return list(
        RestockOrder.objects.filter(status__in=RestockOrder.OPEN_STATUSES)
        .annotate(units_expected=Coalesce(Sum(F("lines__quantity_ordered") - F("lines__quantity_received")), 0))
        .order_by("created_at", "pk")[:limit]
    )
