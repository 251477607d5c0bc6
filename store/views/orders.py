from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import IsManager
from accounts.roles import is_manager
from payments.services import order_status_set
from store.constants import ID_PATTERN
from store.filters import OrderFilter
from store.models import Order
from store.schema import (
    INVALID_STATUS_TRANSITION,
    ORDER_EVENT_EXAMPLES,
    ORDER_EXAMPLES,
    OrderHistoryEntrySerializer,
    request_example,
)
from store.selectors import orders as selectors
from store.serializers.orders import (
    OrderEventSerializer,
    OrderEventStaffSerializer,
    OrderSerializer,
    OrderStatusSerializer,
)
from store.services import orders as services


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
        if self.action == "events":
            return selectors.orders_visible(user=self.request.user)
        return selectors.order_list(user=self.request.user)

    def get_permissions(self):
        if self.action == "partial_update":
            return [IsManager()]
        return super().get_permissions()

    @extend_schema(
        operation_id="orders_status_update",
        summary="Change an order's status (managers)",
        description="pending → paid (records a manual payment, as `POST /api/orders/{id}/mark-paid/` does) → "
        "shipped → delivered, or → cancelled (restores the stock; a paid order is refunded). Others → 400.",
        request=OrderStatusSerializer,
        responses={200: OrderSerializer, 400: INVALID_STATUS_TRANSITION},
        examples=[request_example("Mark paid", {"status": "paid"}), *ORDER_EXAMPLES],
    )
    def partial_update(self, request, pk: str):
        order = self.get_object()
        serializer = OrderStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_status_set(order_id=order.pk, status=serializer.validated_data["status"], by=request.user)
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

    @extend_schema(
        operation_id="orders_events",
        summary="An order's history",
        description="Every change to the order, oldest first, as a plain list (an order has few events). The owner "
        "sees what concerns them (placed, payments, refunds, cancellation, expiry, status changes); managers and "
        "admins also see reminders and notes, and `actor`, who acted (null for the system or a provider). "
        "Another customer's order is 404.",
        responses={200: OrderHistoryEntrySerializer(many=True)},
        examples=ORDER_EVENT_EXAMPLES,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk: str):
        order = self.get_object()
        serializer_class = OrderEventStaffSerializer if is_manager(request.user) else OrderEventSerializer
        events = selectors.order_event_list(order=order, viewer=request.user)
        return Response(serializer_class(events, many=True).data)
