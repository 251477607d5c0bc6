from decimal import Decimal

from django.db.models import Count, DecimalField, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.roles import is_manager
from store.models import CartItem, Category, Order, OrderItem, Product

PRODUCT_READ_FIELDS = (
    "name",
    "slug",
    "sku",
    "description",
    "price",
    "discount_price",
    "stock",
    "is_active",
    "created_at",
    "updated_at",
    "category__name",
    "category__slug",
)


def category_list(*, user) -> QuerySet[Category]:
    """Categories with `product_count`: every product for managers and admins, active ones for everybody else."""
    product_count = Count("products") if is_manager(user) else Count("products", filter=Q(products__is_active=True))
    return Category.objects.annotate(product_count=product_count).order_by("name", "id")


def product_list(*, user) -> QuerySet[Product]:
    """Products a user may see (inactive ones only for managers and admins), with their category.

    `final_price_amount` is an alias matching the `product_final_price_idx` expression index, for price
    filters and ordering. Only the columns the API shows are loaded (`PRODUCT_READ_FIELDS`): each
    unused timestamp costs a parse per row. A product saved from such a row saves only those columns;
    the search document stays with the database trigger and `low_stock_alerted_at` with the stock job.
    """
    qs = (
        Product.objects.select_related("category")
        .only(*PRODUCT_READ_FIELDS)
        .alias(final_price_amount=Coalesce("discount_price", "price"))
    )
    if not is_manager(user):
        qs = qs.filter(is_active=True)
    return qs


# --- cart, checkout, orders ---------------------------------------------------------------------------------


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


def _with_items(orders: QuerySet[Order]) -> QuerySet[Order]:
    items = OrderItem.objects.annotate(product_slug=F("product__slug")).order_by("id")
    return orders.prefetch_related(Prefetch("items", queryset=items))


def order_list(*, user: User) -> QuerySet[Order]:
    """The orders a user may see: their own, or every order for managers and admins, with items prefetched."""
    orders = Order.objects.all() if is_manager(user) else Order.objects.filter(user=user)
    return _with_items(orders)


def order_get(*, order_id: int) -> Order:
    return _with_items(Order.objects.all()).get(pk=order_id)
