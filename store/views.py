from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCustomer, IsManager, ReadOnlyOrManager
from duka_app.api.filters import FilterBackend
from store import selectors, services
from store.filters import CategoryFilter, OrderFilter, ProductFilter
from store.models import CartItem, Order
from store.schema import (
    CART_ITEM_EXAMPLES,
    CART_QUANTITY_ERROR,
    CATEGORY_EXAMPLES,
    CATEGORY_NOT_EMPTY,
    CHECKOUT_BAD_REQUEST,
    CHECKOUT_CONFLICT,
    INVALID_STATUS_TRANSITION,
    ORDER_EXAMPLES,
    PRODUCT_BAD_REQUEST,
    PRODUCT_EXAMPLES,
    PRODUCT_UPDATE_EXAMPLES,
    STOCK_CHANGED,
    request_example,
    response_example,
)
from store.serializers import (
    CartItemAddSerializer,
    CartItemSerializer,
    CartItemUpdateSerializer,
    CartSummarySerializer,
    CategorySerializer,
    CheckoutHeaderSerializer,
    CheckoutSerializer,
    OrderSerializer,
    OrderStatusSerializer,
    ProductSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List categories", examples=CATEGORY_EXAMPLES),
    create=extend_schema(summary="Create a category (managers)", examples=CATEGORY_EXAMPLES),
    retrieve=extend_schema(summary="One category", examples=CATEGORY_EXAMPLES),
    update=extend_schema(summary="Replace a category (managers)", examples=CATEGORY_EXAMPLES),
    partial_update=extend_schema(summary="Update some of a category (managers)", examples=CATEGORY_EXAMPLES),
    destroy=extend_schema(
        summary="Delete a category (managers)",
        description="Only an empty category can be deleted.",
        responses={204: None, 409: CATEGORY_NOT_EMPTY},
    ),
)
@extend_schema(tags=["catalog"])
class CategoryViewSet(viewsets.ModelViewSet):
    """Product categories. Anyone reads; managers and admins write. A category with products cannot be deleted."""

    serializer_class = CategorySerializer
    permission_classes = [ReadOnlyOrManager]
    filter_backends = [FilterBackend]
    filterset_class = CategoryFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.category_list(user=self.request.user)

    def perform_create(self, serializer):
        category = services.category_create(**serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=category.pk)

    def perform_update(self, serializer):
        category = services.category_update(category=serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=category.pk)

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


STOCK_UPDATE_RULE = (
    "Only the fields sent are written. Customers buy while managers edit, so the stock is never set blindly: "
    "`stock` requires `expected_stock`, the stock you last read. If the stock is still that, the difference "
    "is applied under the same row lock as checkout; if not, 409 `stock_changed` with the current `stock`, and "
    "nothing changes."
)


@extend_schema_view(
    list=extend_schema(
        summary="List products",
        description="Active products for everyone; managers and admins also see inactive ones and may filter "
        "on `is_active`. `search` ranks by relevance unless `ordering` is given.",
        examples=PRODUCT_EXAMPLES,
    ),
    create=extend_schema(summary="Create a product (managers)", examples=PRODUCT_EXAMPLES),
    retrieve=extend_schema(summary="One product by slug", examples=PRODUCT_EXAMPLES),
    update=extend_schema(
        summary="Replace a product (managers)",
        description=STOCK_UPDATE_RULE,
        responses={200: ProductSerializer, 400: PRODUCT_BAD_REQUEST, 409: STOCK_CHANGED},
        examples=PRODUCT_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Update some of a product (managers)",
        description=STOCK_UPDATE_RULE,
        responses={200: ProductSerializer, 400: PRODUCT_BAD_REQUEST, 409: STOCK_CHANGED},
        examples=PRODUCT_UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(summary="Delete a product (managers)"),
)
@extend_schema(tags=["catalog"])
class ProductViewSet(viewsets.ModelViewSet):
    """Products by slug. Anyone reads active products; managers and admins also see inactive ones and write."""

    serializer_class = ProductSerializer
    permission_classes = [ReadOnlyOrManager]
    filter_backends = [FilterBackend]
    filterset_class = ProductFilter
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return selectors.product_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.product_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.product_update(
            product=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.product_delete(product=instance)


# --- cart, checkout, orders ---------------------------------------------------------------------------------

# Ids longer than 18 digits cannot exist; the router answers 404 before the database sees them.
ID_PATTERN = r"\d{1,18}"


@extend_schema_view(
    list=extend_schema(operation_id="cart_list", summary="The caller's cart lines", examples=CART_ITEM_EXAMPLES),
    retrieve=extend_schema(
        operation_id="cart_retrieve", summary="One of the caller's cart lines", examples=CART_ITEM_EXAMPLES
    ),
    destroy=extend_schema(operation_id="cart_remove", summary="Remove a line from the cart"),
)
class CartViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's cart (customers and admins)."""

    serializer_class = CartItemSerializer
    permission_classes = [IsCustomer]
    filter_backends = []
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs without a user
            return CartItem.objects.none()
        return selectors.cart_item_list(user=self.request.user)

    @extend_schema(
        operation_id="cart_add",
        summary="Add a product to the cart",
        description="Adds a new line (201) or increases the quantity of an existing one (200).",
        request=CartItemAddSerializer,
        responses={201: CartItemSerializer, 200: CartItemSerializer, 400: CART_QUANTITY_ERROR},
        examples=[request_example("Two skillets", {"product_id": 1, "quantity": 2}), *CART_ITEM_EXAMPLES],
    )
    def create(self, request):
        serializer = CartItemAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item, created = services.cart_item_add(
            user=request.user,
            product=serializer.validated_data["product"],
            quantity=serializer.validated_data["quantity"],
        )
        return Response(
            CartItemSerializer(item).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        operation_id="cart_set_quantity",
        summary="Set the quantity of a cart line",
        request=CartItemUpdateSerializer,
        responses={200: CartItemSerializer, 400: CART_QUANTITY_ERROR},
        examples=[request_example("Three", {"quantity": 3}), *CART_ITEM_EXAMPLES],
    )
    def partial_update(self, request, pk: str):
        serializer = CartItemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.cart_item_update(
            user=request.user, item_id=int(pk), quantity=serializer.validated_data["quantity"]
        )
        return Response(CartItemSerializer(item).data)

    def destroy(self, request, pk: str):
        services.cart_item_delete(user=request.user, item_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="cart_summary",
        summary="Totals of the caller's cart",
        responses=CartSummarySerializer,
        examples=[response_example("Summary", {"lines": 1, "quantity": 2, "subtotal": "69.80"})],
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request):
        return Response(CartSummarySerializer(selectors.cart_summary(user=request.user)).data)


class CheckoutView(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="checkout",
        summary="Turn the cart into an order",
        description=(
            "Creates a pending order from the cart at the current final prices, deducts the stock and empties "
            "the cart, all at once. With an `Idempotency-Key` header, a retry returns the first order (200)."
        ),
        request=CheckoutSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x20-\x7e]+$"},
                OpenApiParameter.HEADER,
                description="1 to 255 printable ASCII characters; a retry with the same key returns the first "
                "order (200) instead of placing another.",
                examples=[OpenApiExample("Key", value="3f6c2a9e-checkout-1")],
            )
        ],
        responses={201: OrderSerializer, 200: OrderSerializer, 400: CHECKOUT_BAD_REQUEST, 409: CHECKOUT_CONFLICT},
        examples=ORDER_EXAMPLES,
    )
    def post(self, request):
        CheckoutSerializer(data=request.data).is_valid(raise_exception=True)
        header = CheckoutHeaderSerializer(data=_header(request, "Idempotency-Key", "idempotency_key"))
        header.is_valid(raise_exception=True)
        order, created = services.order_place(
            user=request.user, idempotency_key=header.validated_data.get("idempotency_key", "")
        )
        return Response(
            OrderSerializer(selectors.order_get(order_id=order.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _header(request, name: str, field: str) -> dict:
    value = request.headers.get(name)
    return {} if value is None else {field: value}


@extend_schema_view(
    list=extend_schema(
        summary="List orders",
        description="The caller's own orders, newest first; managers and admins see every order and may filter "
        "on `status` and `user`.",
        examples=ORDER_EXAMPLES,
    ),
    retrieve=extend_schema(summary="One order", examples=ORDER_EXAMPLES),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "total_amount"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.order_list(user=self.request.user)

    def get_permissions(self):
        if self.action == "partial_update":
            return [IsManager()]
        return super().get_permissions()

    @extend_schema(
        operation_id="orders_status_update",
        summary="Change an order's status (managers)",
        description="pending → paid → shipped → delivered, or → cancelled (restores the stock). Others → 400.",
        request=OrderStatusSerializer,
        responses={200: OrderSerializer, 400: INVALID_STATUS_TRANSITION},
        examples=[request_example("Mark paid", {"status": "paid"}), *ORDER_EXAMPLES],
    )
    def partial_update(self, request, pk: str):
        order = self.get_object()
        serializer = OrderStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.order_status_change(order_id=order.pk, status=serializer.validated_data["status"], by=request.user)
        return Response(OrderSerializer(selectors.order_get(order_id=order.pk)).data)

    @extend_schema(
        operation_id="orders_cancel",
        summary="Cancel an order",
        description="The owner while pending; managers and admins until it ships. The stock is restored.",
        request=None,
        responses={200: OrderSerializer, 400: INVALID_STATUS_TRANSITION},
        examples=ORDER_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk: str):
        order = self.get_object()
        services.order_cancel(order_id=order.pk, by=request.user)
        return Response(OrderSerializer(selectors.order_get(order_id=order.pk)).data)
