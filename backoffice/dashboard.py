"""The back office's home page: what needs doing today, for managers and admins.

Unfold calls `dashboard_callback` when it renders the admin index (settings.UNFOLD["DASHBOARD_CALLBACK"]); the
figures come from the selectors, the security summary from core/dashboard.py as the security API reads it."""

import json
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.roles import is_manager
from backoffice.selectors import (
    low_stock_products,
    open_restock_orders,
    orders_in_status,
    orders_per_status,
    sales_per_day,
)
from core.dashboard import security_dashboard
from store.models import Order

DASHBOARD_DAYS = 30
QUEUE_LENGTH = 8
TOP_N = 10


def _bar_chart(*, label: str, days: list, values: list) -> str:
    """The JSON unfold's chart component hands to its local Chart.js."""
    dataset = {"label": label, "data": values, "backgroundColor": "var(--color-primary-600)", "displayYAxis": True}
    return json.dumps({"labels": days, "datasets": [dataset]})


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    """Adds the dashboard's figures to the index page's context; other staff see only the list of models."""
    if not is_manager(request.user):
        return context
    today = timezone.now().date()
    sales = sales_per_day(day_to=today, days=DASHBOARD_DAYS)
    days = [row["day"].strftime("%d %b") for row in sales]
    statuses = orders_per_status()
    context["dashboard"] = {
        "days_label": f"{DASHBOARD_DAYS} days",
        "currency": settings.STORE_CURRENCY,
        "revenue_total": sum(row["revenue"] for row in sales),
        "orders_total": sum(row["orders"] for row in sales),
        "revenue_chart": _bar_chart(label="Revenue", days=days, values=[float(row["revenue"]) for row in sales]),
        "orders_chart": _bar_chart(label="Orders", days=days, values=[row["orders"] for row in sales]),
        "orders_per_status": [
            {"status": status, "label": label, "count": statuses[status]} for status, label in Order.Status.choices
        ],
        "awaiting_payment": orders_in_status(status=Order.Status.PENDING, limit=QUEUE_LENGTH),
        "awaiting_payment_count": statuses[Order.Status.PENDING],
        "to_ship": orders_in_status(status=Order.Status.PAID, limit=QUEUE_LENGTH),
        "to_ship_count": statuses[Order.Status.PAID],
        "low_stock": low_stock_products(limit=QUEUE_LENGTH),
        "restock_orders": open_restock_orders(limit=QUEUE_LENGTH),
        "security": security_dashboard(day_from=today - timedelta(days=DASHBOARD_DAYS - 1), day_to=today, top_n=TOP_N),
    }
    return context
