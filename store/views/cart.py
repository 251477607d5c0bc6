from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.permissions import IsCustomer
from accounts.roles import is_customer
from duka_app.api.throttles import ClientIPScopedRateThrottle
from store.constants import ID_PATTERN
from store.models import CartItem
from store.schema import (
    CART_FORBIDDEN,
    CART_ITEM_EXAMPLES,
    CART_MERGE_EXAMPLES,
    CART_NOT_FOUND,
    CART_QUANTITY_ERROR,
    CART_SUMMARY,
    CART_SUMMARY_BAD_REQUEST,
    CART_SUMMARY_NOT_FOUND,
    CART_TOKEN_HEADER,
    GUEST_CART_EXAMPLES,
    LOGGED_IN_FORBIDDEN,
    request_example,
    response_example,
)
from store.selectors import cart as selectors
from store.serializers.cart import (
    CartItemAddSerializer,
    CartItemSerializer,
    CartItemUpdateSerializer,
    CartMergeReportSerializer,
    CartMergeSerializer,
    CartSummaryQuerySerializer,
    CartSummarySerializer,
    GuestCartSerializer,
    merge_report,
)
from store.services import cart as services
from store.services.checkout import cart_price_summary

CART_TOKEN = "X-Cart-Token"


class IsCustomerOrGuest(BasePermission):
    """Customers and admins use their own cart; anonymous callers a guest cart, by its `X-Cart-Token` (the view
    answers 401 without one). A logged-in caller's `X-Cart-Token` is ignored."""

    message = "Only customers can do this."

    def has_permission(self, request, view) -> bool:
        return not request.user.is_authenticated or is_customer(request.user)


class IsAnonymous(BasePermission):
    message = "You are logged in: your cart is at /api/cart/ (merge a guest cart with /api/cart/merge/)."

    def has_permission(self, request, view) -> bool:
        return not request.user.is_authenticated


@extend_schema_view(
    list=extend_schema(
        operation_id="cart_list",
        summary="The caller's cart lines",
        examples=CART_ITEM_EXAMPLES,
        parameters=[CART_TOKEN_HEADER],
        responses={200: CartItemSerializer(many=True), 403: CART_FORBIDDEN},
    ),
    retrieve=extend_schema(
        operation_id="cart_retrieve",
        summary="One of the caller's cart lines",
        examples=CART_ITEM_EXAMPLES,
        parameters=[CART_TOKEN_HEADER],
        responses={200: CartItemSerializer, 403: CART_FORBIDDEN},
    ),
    destroy=extend_schema(
        operation_id="cart_remove",
        summary="Remove a line from the cart",
        parameters=[CART_TOKEN_HEADER],
        responses={204: None, 403: CART_FORBIDDEN},
    ),
)
class CartViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's cart: a customer's (or admin's) own, or an anonymous caller's guest cart by `X-Cart-Token`."""

    serializer_class = CartItemSerializer
    permission_classes = [IsCustomerOrGuest]
    filter_backends = []
    lookup_value_regex = ID_PATTERN
    throttle_scope = "guest_cart"  # only the guest action is throttled

    def cart_scope(self) -> dict:
        """Whose cart: `{"user": ...}` for a logged-in caller, else the guest cart the header opens (404 if none)."""
        if self.request.user.is_authenticated:
            return {"user": self.request.user}
        cart_token = self.request.headers.get(CART_TOKEN)
        if cart_token is None:
            raise NotAuthenticated()
        return {"guest_cart": selectors.guest_cart_get(cart_token=cart_token)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs without a user
            return CartItem.objects.none()
        return selectors.cart_item_list(**self.cart_scope())

    @extend_schema(
        operation_id="cart_add",
        summary="Add a product to the cart",
        description="Adds a new line (201) or increases the quantity of an existing one (200).",
        request=CartItemAddSerializer,
        parameters=[CART_TOKEN_HEADER],
        responses={
            201: CartItemSerializer,
            200: CartItemSerializer,
            400: CART_QUANTITY_ERROR,
            403: CART_FORBIDDEN,
            404: CART_NOT_FOUND,
        },
        examples=[request_example("Two skillets", {"product_id": 1, "quantity": 2}), *CART_ITEM_EXAMPLES],
    )
    def create(self, request):
        scope = self.cart_scope()
        serializer = CartItemAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item, created = services.cart_item_add(
            **scope,
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
        parameters=[CART_TOKEN_HEADER],
        responses={200: CartItemSerializer, 400: CART_QUANTITY_ERROR, 403: CART_FORBIDDEN},
        examples=[request_example("Three", {"quantity": 3}), *CART_ITEM_EXAMPLES],
    )
    def partial_update(self, request, pk: str):
        scope = self.cart_scope()
        serializer = CartItemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.cart_item_update(**scope, item_id=int(pk), quantity=serializer.validated_data["quantity"])
        return Response(CartItemSerializer(item).data)

    def destroy(self, request, pk: str):
        services.cart_item_delete(**self.cart_scope(), item_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="cart_summary",
        summary="The price breakdown of the caller's cart",
        description=(
            "What checkout would charge now: the lines with their discount, net, tax and gross amounts, the "
            "subtotal, discount, shipping, tax and total. Shipped to `address_id` (else the default shipping "
            "address, else the profile's country) by `shipping_method_id` (else no shipping). A cart voucher that "
            "does not apply now is left out and `voucher_error` says why. Send `total` to checkout as "
            "`expected_total`."
        ),
        parameters=[CART_TOKEN_HEADER, CartSummaryQuerySerializer],
        responses={
            200: CartSummarySerializer,
            400: CART_SUMMARY_BAD_REQUEST,
            403: CART_FORBIDDEN,
            404: CART_SUMMARY_NOT_FOUND,
        },
        examples=[response_example("Summary", CART_SUMMARY)],
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request):
        scope = self.cart_scope()
        query = CartSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(cart_price_summary(**scope, **query.validated_data))

    @extend_schema(
        operation_id="cart_guest_create",
        summary="Open a guest cart (anonymous callers)",
        description=(
            "Returns a new, empty cart's token, shown once: send it as the `X-Cart-Token` header to the cart "
            "operations, and as `cart_token` when logging in (or to `/api/cart/merge/`) to move its lines into "
            "your own cart. The cart is deleted `GUEST_CART_DAYS` after its last change. Throttled per client IP."
        ),
        request=None,
        responses={201: GuestCartSerializer, 403: LOGGED_IN_FORBIDDEN},
        examples=GUEST_CART_EXAMPLES,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="guest",
        permission_classes=[IsAnonymous],
        throttle_classes=[ClientIPScopedRateThrottle],
    )
    def guest(self, request):
        cart_token, cart = services.guest_cart_create()
        return Response(
            GuestCartSerializer({"cart_token": cart_token, "expires_at": cart.expires_at}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="cart_merge",
        summary="Merge a guest cart into the caller's cart",
        description=(
            "Moves the guest cart's lines into the caller's cart and deletes the guest cart. Quantities of a "
            "product in both carts add up, capped at the stock (`capped`); products no longer for sale are "
            "left out (`dropped`). An unknown, expired, malformed or already merged token is 404 `cart_not_found`."
        ),
        request=CartMergeSerializer,
        responses={200: CartMergeReportSerializer, 404: CART_NOT_FOUND},
        examples=CART_MERGE_EXAMPLES,
    )
    @action(detail=False, methods=["post"], permission_classes=[IsCustomer])
    def merge(self, request):
        serializer = CartMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lines = services.cart_merge(user=request.user, cart_token=serializer.validated_data["cart_token"])
        return Response(merge_report(lines))
