from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsCustomer
from store.constants import ID_PATTERN
from store.models import WishlistItem
from store.schema import (
    CART_ITEM_EXAMPLES,
    MOVE_TO_CART_BAD_REQUEST,
    MOVE_TO_CART_CONFLICT,
    WISHLIST_ADD_BAD_REQUEST,
    WISHLIST_FULL,
    WISHLIST_ITEM_EXAMPLES,
    WISHLIST_ITEM_NOT_FOUND,
    request_example,
)
from store.selectors import wishlist as selectors
from store.serializers.cart import CartItemSerializer
from store.serializers.wishlist import (
    WishlistItemAddSerializer,
    WishlistItemSerializer,
    WishlistMoveToCartSerializer,
)
from store.services import wishlist as services


@extend_schema_view(
    list=extend_schema(
        operation_id="wishlist_list",
        summary="The caller's saved products, newest first",
        description="Products no longer for sale stay listed with `available: false`.",
        examples=WISHLIST_ITEM_EXAMPLES,
    ),
)
class WishlistViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's wishlist (customers and admins), addressed by product id."""

    serializer_class = WishlistItemSerializer
    permission_classes = [IsCustomer]
    filter_backends = []
    lookup_field = "product_id"
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs without a user
            return WishlistItem.objects.none()
        return selectors.wishlist_item_list(user=self.request.user)

    @extend_schema(
        operation_id="wishlist_add",
        summary="Save a product for later",
        description="Saves a product for sale (201); saving one already saved changes nothing (200), even if "
        "it is no longer for sale.",
        request=WishlistItemAddSerializer,
        responses={
            201: WishlistItemSerializer,
            200: WishlistItemSerializer,
            400: WISHLIST_ADD_BAD_REQUEST,
            409: WISHLIST_FULL,
        },
        examples=[request_example("A skillet", {"product_id": 1}), *WISHLIST_ITEM_EXAMPLES],
    )
    def create(self, request):
        serializer = WishlistItemAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item, created = services.wishlist_item_add(
            user=request.user, product_id=serializer.validated_data["product_id"]
        )
        return Response(
            WishlistItemSerializer(item).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        operation_id="wishlist_remove",
        summary="Remove a product from the wishlist",
        description="Answers 404 when the product is not in the caller's wishlist.",
        responses={204: None, 404: WISHLIST_ITEM_NOT_FOUND},
    )
    def destroy(self, request, product_id: str):
        services.wishlist_item_remove(user=request.user, product_id=int(product_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="wishlist_move_to_cart",
        summary="Move a saved product to the cart",
        description="Adds `quantity` (default 1) to the cart as `POST /api/cart/` does (a new line 201, merged "
        "into the product's line 200; never beyond the stock) and removes the product from the wishlist, "
        "together: a refusal changes neither.",
        request=WishlistMoveToCartSerializer,
        responses={
            201: CartItemSerializer,
            200: CartItemSerializer,
            400: MOVE_TO_CART_BAD_REQUEST,
            404: WISHLIST_ITEM_NOT_FOUND,
            409: MOVE_TO_CART_CONFLICT,
        },
        examples=[request_example("Two", {"quantity": 2}), *CART_ITEM_EXAMPLES],
    )
    @action(detail=True, methods=["post"], url_path="move-to-cart")
    def move_to_cart(self, request, product_id: str):
        serializer = WishlistMoveToCartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line, created = services.wishlist_item_move_to_cart(
            user=request.user, product_id=int(product_id), quantity=serializer.validated_data["quantity"]
        )
        return Response(
            CartItemSerializer(line).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
