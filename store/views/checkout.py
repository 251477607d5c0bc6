from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCustomer
from duka_app.api.headers import idempotency_key_of
from store.schema import (
    CHECKOUT_ADDRESS_NOT_FOUND,
    CHECKOUT_BAD_REQUEST,
    CHECKOUT_CONFLICT,
    CHECKOUT_FORBIDDEN,
    ORDER_EXAMPLES,
    request_example,
)
from store.selectors.orders import order_get
from store.serializers.checkout import CheckoutSerializer
from store.serializers.orders import OrderSerializer
from store.services.checkout import order_place


class CheckoutView(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="checkout",
        summary="Turn the cart into an order",
        description=(
            "Creates a pending order from the cart at the current final prices, deducts the stock and empties "
            "the cart, all at once. With an `Idempotency-Key` header, a retry returns the first order (200). "
            "The order keeps a copy of its shipping address: the saved address `address_id`, else the default "
            "shipping address, else the profile's shipping details. The amounts (subtotal, discount, shipping, tax, "
            "total) come from the same calculation as `GET /api/cart/summary/`; send the total you showed as "
            "`expected_total` and a different one is 409 `price_changed` with the new `breakdown`. A cart voucher "
            "that can no longer be used (say, used up by others meanwhile) is 409 with its code (`voucher_used_up`, "
            "`voucher_expired`, ...) and the breakdown without it; nothing is ordered."
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
        responses={
            201: OrderSerializer,
            200: OrderSerializer,
            400: CHECKOUT_BAD_REQUEST,
            403: CHECKOUT_FORBIDDEN,
            404: CHECKOUT_ADDRESS_NOT_FOUND,
            409: CHECKOUT_CONFLICT,
        },
        examples=[
            request_example(
                "To a saved address", {"address_id": 7, "shipping_method_id": 2, "expected_total": "3548.00"}
            ),
            *ORDER_EXAMPLES,
        ],
    )
    def post(self, request):
        body = CheckoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order, created = order_place(
            user=request.user,
            idempotency_key=idempotency_key_of(request),
            address_id=body.validated_data.get("address_id"),
            shipping_method_id=body.validated_data.get("shipping_method_id"),
            expected_total=body.validated_data.get("expected_total"),
        )
        return Response(
            OrderSerializer(order_get(order_id=order.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
