from django.db.models import Prefetch, QuerySet

from store.models import Product, RestockOrder, RestockOrderLine, StockMovement


def stock_movement_list(*, product: Product) -> QuerySet[StockMovement]:
    """The product's ledger, newest first."""
    return StockMovement.objects.filter(product=product).order_by("-created_at", "-id")


def restock_order_list() -> QuerySet[RestockOrder]:
    """Restock orders, newest first, with their lines and the lines' product names."""
    lines = RestockOrderLine.objects.select_related("product").only(
        "restock_order_id", "product_id", "quantity_ordered", "quantity_received", "product__name", "product__sku"
    )
    return RestockOrder.objects.prefetch_related(Prefetch("lines", queryset=lines)).order_by("-created_at", "-id")
