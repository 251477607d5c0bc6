from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCustomer, IsManager
from duka_app.api.throttles import ClientIPRateThrottle, UserRateScopedThrottle
from pricing.models import ShippingMethod, ShippingZone, TaxRate, Voucher
from pricing.schema import (
    ADDRESS_NOT_FOUND,
    METHOD,
    SHIPPING_OPTIONS_EXAMPLES,
    TAX_RATE,
    VOUCHER,
    VOUCHER_APPLY_EXAMPLES,
    VOUCHER_BAD_REQUEST,
    ZONE,
    manager_crud_schema,
)
from pricing.serializers import (
    ShippingMethodSerializer,
    ShippingOptionSerializer,
    ShippingZoneSerializer,
    TaxRateSerializer,
    VoucherSerializer,
)
from pricing.services import cart_voucher_apply, cart_voucher_remove
from store.serializers.cart import CartSummarySerializer, CartVoucherSerializer, ShippingMethodsQuerySerializer
from store.services.checkout import cart_price_summary, cart_shipping_options


@manager_crud_schema("Shipping zone", ZONE)
class ShippingZoneViewSet(viewsets.ModelViewSet):
    permission_classes = [IsManager]
    serializer_class = ShippingZoneSerializer
    queryset = ShippingZone.objects.order_by("name", "id")


@manager_crud_schema("Shipping method", METHOD)
class ShippingMethodViewSet(viewsets.ModelViewSet):
    permission_classes = [IsManager]
    serializer_class = ShippingMethodSerializer
    queryset = ShippingMethod.objects.order_by("zone_id", "price", "id")


@manager_crud_schema("Tax rate", TAX_RATE)
class TaxRateViewSet(viewsets.ModelViewSet):
    permission_classes = [IsManager]
    serializer_class = TaxRateSerializer
    queryset = TaxRate.objects.order_by("country", "category_id", "id")


@manager_crud_schema("Voucher", VOUCHER)
class VoucherViewSet(viewsets.ModelViewSet):
    permission_classes = [IsManager]
    serializer_class = VoucherSerializer
    queryset = (
        Voucher.objects.annotate(use_count=Count("uses", distinct=True))
        .prefetch_related("categories", "products")
        .order_by("-created_at", "-id")
    )

    def perform_destroy(self, instance: Voucher) -> None:
        # A voucher with orders is kept for their history: deactivate it instead.
        if instance.uses.exists():
            instance.is_active = False
            instance.save(update_fields=["is_active"])
            return
        instance.delete()


class CartShippingMethodsView(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="cart_shipping_methods",
        summary="The shipping methods that deliver to an address, priced for the cart",
        tags=["cart"],
        parameters=[ShippingMethodsQuerySerializer],
        responses={200: ShippingOptionSerializer(many=True), 404: ADDRESS_NOT_FOUND},
        examples=SHIPPING_OPTIONS_EXAMPLES,
    )
    def get(self, request):
        query = ShippingMethodsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = cart_shipping_options(user=request.user, address_id=query.validated_data.get("address_id"))
        return Response(ShippingOptionSerializer(options, many=True).data)


class CartVoucherView(APIView):
    """Vouchers on the caller's cart. Applying one is throttled per user and per IP, so codes cannot be guessed."""

    permission_classes = [IsCustomer]
    user_throttle_scope = "voucher_user"
    ip_throttle_scope = "voucher_ip"

    def get_throttles(self):
        return [UserRateScopedThrottle(), ClientIPRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="cart_voucher_apply",
        tags=["cart"],
        summary="Apply a voucher to the cart",
        description=(
            "Applies the voucher `code` (any letter case) and answers the cart's new summary. Refused with a "
            "precise code: `voucher_invalid` (no such active code), `voucher_not_started`, `voucher_expired`, "
            "`voucher_used_up`, `voucher_not_applicable` (no product in the cart qualifies), "
            "`voucher_below_minimum` (with `min_subtotal`). Throttled per user and per IP (429); failed attempts "
            "count towards the client IP's suspicious activity."
        ),
        request=CartVoucherSerializer,
        responses={200: CartSummarySerializer, 400: VOUCHER_BAD_REQUEST},
        examples=VOUCHER_APPLY_EXAMPLES,
    )
    def post(self, request):
        body = CartVoucherSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cart_voucher_apply(user=request.user, code=body.validated_data["code"])
        return Response(cart_price_summary(user=request.user))

    @extend_schema(
        operation_id="cart_voucher_remove",
        tags=["cart"],
        summary="Remove the cart's voucher",
        request=None,
        responses={204: None},
    )
    def delete(self, request):
        cart_voucher_remove(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
