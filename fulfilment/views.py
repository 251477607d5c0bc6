from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCustomer, IsManager
from duka_app.api.pagination import StandardPagination
from fulfilment import schema, selectors, services
from fulfilment.models import ReturnRequest
from fulfilment.serializers import (
    CarrierEventSerializer,
    CarrierWebhookAnswerSerializer,
    ReturnCreateSerializer,
    ReturnRefundSerializer,
    ReturnRejectSerializer,
    ReturnSerializer,
    ShipmentCreateSerializer,
    ShipmentEventCreateSerializer,
    ShipmentSerializer,
)


class OrderShipmentsView(APIView):
    """Managers ship; the order's customer (and managers) read the timeline."""

    def get_permissions(self):
        return [IsManager()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        operation_id="orders_shipments_list",
        summary="An order's shipments and their tracking timeline",
        description="Oldest first, each with its events oldest first: the order's customer, managers and admins "
        "(anyone else 404).",
        tags=["fulfilment"],
        responses={200: ShipmentSerializer(many=True)},
        examples=schema.SHIPMENTS_EXAMPLES,
    )
    def get(self, request, order_id: str):
        shipments = selectors.shipments_of_order(order_id=int(order_id), user=request.user)
        return Response(ShipmentSerializer(shipments, many=True).data)

    @extend_schema(
        operation_id="orders_shipments_create",
        summary="Ship an order (managers)",
        description="Hands a paid order to a carrier with its tracking number; the order becomes `shipped` and the "
        "customer is emailed. A shipped order may get further parcels.",
        tags=["fulfilment"],
        request=ShipmentCreateSerializer,
        responses={
            201: ShipmentSerializer,
            400: schema.SHIPMENT_CREATE_BAD_REQUEST,
            409: schema.SHIPMENT_CREATE_CONFLICT,
        },
        examples=schema.SHIPMENT_CREATE_EXAMPLES,
    )
    def post(self, request, order_id: str):
        body = ShipmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shipment = services.shipment_create(order_id=int(order_id), by=request.user, **body.validated_data)
        return Response(
            ShipmentSerializer(selectors.shipment_get(shipment_id=shipment.pk)).data, status=status.HTTP_201_CREATED
        )


class ShipmentEventsView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        operation_id="shipments_events_create",
        summary="Add a tracking event (managers)",
        description="Moves the shipment along; `delivered` delivers the order once its other parcels are delivered "
        "too, and emails the customer.",
        tags=["fulfilment"],
        request=ShipmentEventCreateSerializer,
        responses={201: ShipmentSerializer, 409: schema.SHIPMENT_EVENT_CONFLICT},
        examples=schema.SHIPMENT_EVENT_EXAMPLES,
    )
    def post(self, request, shipment_id: str):
        body = ShipmentEventCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shipment = services.shipment_event_add(shipment_id=int(shipment_id), by=request.user, **body.validated_data)
        return Response(
            ShipmentSerializer(selectors.shipment_get(shipment_id=shipment.pk)).data, status=status.HTTP_201_CREATED
        )


class CarrierWebhookView(APIView):
    """A carrier's tracking events: no user, no session, no throttle; the signature is the carrier's proof, checked
    on the raw body before anything of it is read."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="shipments_webhook",
        summary="Carrier tracking webhook",
        description="A carrier's tracking event, signed with `X-Carrier-Signature`. The shipment is found by the "
        "carrier and tracking number; an event id already received is acknowledged and changes nothing "
        "(`applied: false`).",
        tags=["fulfilment"],
        request=CarrierEventSerializer,
        parameters=[schema.CARRIER_SIGNATURE],
        responses={
            200: CarrierWebhookAnswerSerializer,
            400: schema.CARRIER_WEBHOOK_BAD_REQUEST,
        },
        examples=schema.CARRIER_WEBHOOK_EXAMPLES,
    )
    def post(self, request, carrier: str):
        body = request.body
        services.carrier_signature_check(
            carrier=carrier, body=body, signature=request.headers.get("X-Carrier-Signature", "")
        )
        if not isinstance(request.data, dict):
            raise ParseError("The body must be a JSON object.")
        event = CarrierEventSerializer(data=request.data)
        event.is_valid(raise_exception=True)
        _stored, applied = services.carrier_event_receive(carrier=carrier, event=event.validated_data)
        return Response({"received": True, "applied": applied})


class OrderReturnsView(APIView):
    def get_permissions(self):
        return [IsCustomer()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        operation_id="orders_returns_list",
        summary="An order's returns",
        description="Newest first: the order's customer, managers and admins (anyone else 404).",
        tags=["fulfilment"],
        responses={200: ReturnSerializer(many=True)},
        examples=schema.RETURNS_EXAMPLES,
    )
    def get(self, request, order_id: str):
        returns = selectors.returns_of_order(order_id=int(order_id), user=request.user)
        return Response(ReturnSerializer(returns, many=True).data)

    @extend_schema(
        operation_id="orders_returns_create",
        summary="Ask to return delivered items",
        description="The order's customer, within RETURN_WINDOW_DAYS of delivery; at most the units delivered and "
        "not already in another return (rejected ones do not count).",
        tags=["fulfilment"],
        request=ReturnCreateSerializer,
        responses={
            201: ReturnSerializer,
            400: schema.RETURN_CREATE_BAD_REQUEST,
            409: schema.RETURN_CREATE_CONFLICT,
        },
        examples=schema.RETURN_CREATE_EXAMPLES,
    )
    def post(self, request, order_id: str):
        body = ReturnCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return_request = services.return_request_create(
            order_id=int(order_id), user=request.user, **body.validated_data
        )
        return Response(
            ReturnSerializer(selectors.return_get(return_id=return_request.pk)).data, status=status.HTTP_201_CREATED
        )


class ReturnListView(ListAPIView):
    permission_classes = [IsManager]
    serializer_class = ReturnSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        wanted = self.request.query_params.get("status")
        if wanted and wanted not in ReturnRequest.Status.values:
            raise ParseError(f"Unknown status {wanted!r}.")
        return selectors.return_list(status=wanted)

    @extend_schema(
        operation_id="returns_list",
        summary="The returns queue (managers)",
        description="Every return, newest first, paginated.",
        tags=["fulfilment"],
        parameters=[schema.RETURN_STATUS],
        examples=schema.RETURN_LIST_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReturnDetailView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        operation_id="returns_retrieve",
        summary="One return (managers)",
        tags=["fulfilment"],
        responses={200: ReturnSerializer},
        examples=schema.RETURN_EXAMPLES,
    )
    def get(self, request, return_id: str):
        return Response(ReturnSerializer(selectors.return_get(return_id=int(return_id))).data)


class ReturnActionView(APIView):
    permission_classes = [IsManager]

    def answer(self, return_request) -> Response:
        return Response(ReturnSerializer(selectors.return_get(return_id=return_request.pk)).data)


class ReturnApproveView(ReturnActionView):
    @extend_schema(
        operation_id="returns_approve",
        summary="Approve a requested return (managers)",
        tags=["fulfilment"],
        request=None,
        responses={200: ReturnSerializer, 409: schema.RETURN_CONFLICT},
        examples=schema.RETURN_EXAMPLES,
    )
    def post(self, request, return_id: str):
        return self.answer(services.return_approve(return_id=int(return_id), by=request.user))


class ReturnRejectView(ReturnActionView):
    @extend_schema(
        operation_id="returns_reject",
        summary="Reject a return (managers)",
        description="A requested or approved return; its units can be asked for again.",
        tags=["fulfilment"],
        request=ReturnRejectSerializer,
        responses={200: ReturnSerializer, 409: schema.RETURN_CONFLICT},
        examples=schema.RETURN_REJECT_EXAMPLES,
    )
    def post(self, request, return_id: str):
        body = ReturnRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(services.return_reject(return_id=int(return_id), by=request.user, **body.validated_data))


class ReturnReceiveView(ReturnActionView):
    @extend_schema(
        operation_id="returns_receive",
        summary="Receive an approved return (managers)",
        description="The items are back: their units go back in stock.",
        tags=["fulfilment"],
        request=None,
        responses={200: ReturnSerializer, 409: schema.RETURN_CONFLICT},
        examples=schema.RETURN_EXAMPLES,
    )
    def post(self, request, return_id: str):
        return self.answer(services.return_receive(return_id=int(return_id), by=request.user))


class ReturnRefundView(ReturnActionView):
    @extend_schema(
        operation_id="returns_refund",
        summary="Refund a received return (managers)",
        description="Refunds what the returned lines cost from the order's payment, through the payments app "
        "(M-Pesa and manual payments: reversed outside Duka, with its `reference`).",
        tags=["fulfilment"],
        request=ReturnRefundSerializer,
        responses={200: ReturnSerializer, 400: schema.RETURN_REFUND_BAD_REQUEST, 409: schema.RETURN_CONFLICT},
        examples=schema.RETURN_REFUND_EXAMPLES,
    )
    def post(self, request, return_id: str):
        body = ReturnRefundSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(services.return_refund(return_id=int(return_id), by=request.user, **body.validated_data))
