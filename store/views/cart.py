from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsCustomer
from store.constants import ID_PATTERN
from store.models import CartItem
from store.schema import CART_ITEM_EXAMPLES, CART_QUANTITY_ERROR, request_example, response_example
from store.selectors import cart as selectors
from store.serializers.cart import (
    CartItemAddSerializer,
    CartItemSerializer,
    CartItemUpdateSerializer,
    CartSummarySerializer,
)
from store.services import cart as services


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
