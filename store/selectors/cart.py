from decimal import Decimal

from django.db.models import Count, DecimalField, F, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from store.models import CartItem


def cart_item_list(*, user: User) -> QuerySet[CartItem]:
    return CartItem.objects.filter(cart__user=user).select_related("product").order_by("id")


def cart_summary(*, user: User) -> dict:
    """`{lines, quantity, subtotal}` of the user's cart at current final prices, in one query."""
    unit_price = Coalesce("product__discount_price", "product__price")
    totals = CartItem.objects.filter(cart__user=user).aggregate(
        line_count=Count("id"),
        quantity_total=Coalesce(Sum("quantity"), 0),
        subtotal=Coalesce(
            Sum(F("quantity") * unit_price, output_field=DecimalField()), Decimal("0"), output_field=DecimalField()
        ),
    )
    return {"lines": totals["line_count"], "quantity": totals["quantity_total"], "subtotal": totals["subtotal"]}
