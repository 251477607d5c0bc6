from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsManager
from store.constants import ID_PATTERN
from store.filters import RestockOrderFilter
from store.schema import RESTOCK_BAD_REQUEST, RESTOCK_ORDER_EXAMPLES, request_example
from store.selectors.stock import restock_order_list
from store.serializers.stock import RestockOrderSerializer, RestockOrderWriteSerializer, RestockReceiveSerializer
from store.services import restock as services

_LINES_EXAMPLE = request_example(
    "Two products",
    {"supplier_name": "Acme", "lines": [{"product_id": 1, "quantity": 20}, {"product_id": 2, "quantity": 5}]},
)


@extend_schema_view(
    list=extend_schema(
        summary="List restock orders (managers)",
        description="Newest first; filter on `status`.",
        examples=RESTOCK_ORDER_EXAMPLES,
    ),
    retrieve=extend_schema(summary="One restock order (managers)", examples=RESTOCK_ORDER_EXAMPLES),
)
@extend_schema(tags=["restocking"])
class RestockOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders to suppliers: draft → ordered → partially_received → received, or cancelled (managers and admins)."""

    serializer_class = RestockOrderSerializer
    permission_classes = [IsManager]
    filterset_class = RestockOrderFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return restock_order_list()

    def _answer(self, restock_order_id: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(RestockOrderSerializer(restock_order_list().get(pk=restock_order_id)).data, status=code)

    @extend_schema(
        summary="Draft a restock order (managers)",
        request=RestockOrderWriteSerializer,
        responses={201: RestockOrderSerializer, 400: RESTOCK_BAD_REQUEST},
        examples=[_LINES_EXAMPLE, *RESTOCK_ORDER_EXAMPLES],
    )
    def create(self, request):
        serializer = RestockOrderWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        restock_order = services.restock_order_create(actor=request.user, **serializer.validated_data)
        return self._answer(restock_order.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft restock order (managers)",
        description="Only the fields sent change; `lines`, when sent, replace all the lines. Not a draft → 400.",
        request=RestockOrderWriteSerializer,
        responses={200: RestockOrderSerializer, 400: RESTOCK_BAD_REQUEST},
        examples=[_LINES_EXAMPLE, *RESTOCK_ORDER_EXAMPLES],
    )
    def partial_update(self, request, pk: str):
        restock_order = self.get_object()
        serializer = RestockOrderWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.restock_order_update(restock_order_id=restock_order.pk, **serializer.validated_data)
        return self._answer(restock_order.pk)

    @extend_schema(
        summary="Mark a draft as sent to the supplier (managers)",
        request=None,
        responses={200: RestockOrderSerializer, 400: RESTOCK_BAD_REQUEST},
        examples=RESTOCK_ORDER_EXAMPLES,
    )
    @action(detail=True, methods=["post"], url_path="order")
    def place(self, request, pk: str):
        restock_order = self.get_object()
        services.restock_order_place(restock_order_id=restock_order.pk)
        return self._answer(restock_order.pk)

    @extend_schema(
        summary="Receive delivered goods into stock (managers)",
        description="Adds each line's `quantity` to the product's stock through the ledger (`restock_received`), "
        "in one transaction. The order becomes `partially_received`, or `received` once every line is complete. "
        "More than still expected on a line, or a product not on the order, is 400 and nothing changes.",
        request=RestockReceiveSerializer,
        responses={200: RestockOrderSerializer, 400: RESTOCK_BAD_REQUEST},
        examples=[
            request_example("Twelve skillets", {"lines": [{"product_id": 1, "quantity": 12}]}),
            *RESTOCK_ORDER_EXAMPLES,
        ],
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk: str):
        restock_order = self.get_object()
        serializer = RestockReceiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.restock_order_receive(
            restock_order_id=restock_order.pk, lines=serializer.validated_data["lines"], actor=request.user
        )
        return self._answer(restock_order.pk)

    @extend_schema(
        summary="Cancel a restock order (managers)",
        description="While goods are still expected (draft, ordered, partially received); what arrived stays.",
        request=None,
        responses={200: RestockOrderSerializer, 400: RESTOCK_BAD_REQUEST},
        examples=RESTOCK_ORDER_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk: str):
        restock_order = self.get_object()
        services.restock_order_cancel(restock_order_id=restock_order.pk)
        return self._answer(restock_order.pk)
