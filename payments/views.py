from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCustomer, IsManager
from core.client_ip import client_ip
from duka_app.api.headers import idempotency_key_of
from payments import schema, selectors, services
from payments.models import Provider
from payments.providers import providers_public
from payments.serializers import (
    FakeConfirmSerializer,
    MarkPaidSerializer,
    PaymentSerializer,
    PaySerializer,
    ProvidersSerializer,
    RefundRequestSerializer,
    RefundSerializer,
)


class ProvidersView(APIView):
    """The same answer for everyone: no identity is read, so a stale token cannot make it fail."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="payments_providers",
        summary="The payment providers this shop takes",
        description="The providers `POST /api/orders/{id}/pay/` accepts, with what a client needs to offer each: "
        "for Stripe its publishable key and where to load Stripe.js from. Public; never a secret.",
        tags=["payments"],
        responses={200: ProvidersSerializer},
        examples=schema.PROVIDERS_EXAMPLES,
    )
    def get(self, request):
        return Response({"providers": providers_public()})


class OrderPayView(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="orders_pay",
        summary="Pay an order",
        description="Starts a payment of a pending order's total with a provider (the order's customer only). "
        "Answers the attempt with its `next_action`. With an `Idempotency-Key` header, a retry answers the first "
        "attempt (200); another attempt while one is in progress is 409 `payment_in_progress`.",
        tags=["payments"],
        request=PaySerializer,
        parameters=[schema.IDEMPOTENCY_KEY],
        responses={
            201: PaymentSerializer,
            200: PaymentSerializer,
            400: schema.PAY_BAD_REQUEST,
            409: schema.PAY_CONFLICT,
            502: schema.PROVIDER_FAILED,
        },
        examples=schema.PAY_EXAMPLES,
    )
    def post(self, request, order_id: str):
        body = PaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment, created = services.payment_start(
            order_id=int(order_id),
            user=request.user,
            provider=body.validated_data["provider"],
            phone=body.validated_data["phone"],
            idempotency_key=idempotency_key_of(request),
        )
        payment = selectors.payment_get(payment_id=payment.pk, user=request.user)
        return Response(
            PaymentSerializer(payment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class OrderPaymentsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orders_payments",
        summary="An order's payments",
        description="Every payment attempt of the order, newest first, with its refunds: the order's customer, "
        "managers and admins.",
        tags=["payments"],
        responses={200: PaymentSerializer(many=True)},
        examples=schema.PAYMENT_EXAMPLES,
    )
    def get(self, request, order_id: str):
        payments = selectors.payments_of_order(order_id=int(order_id), user=request.user)
        return Response(PaymentSerializer(payments, many=True).data)


class PaymentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="payments_retrieve",
        summary="One payment",
        description="The order's customer, managers and admins.",
        tags=["payments"],
        responses={200: PaymentSerializer},
        examples=schema.PAYMENT_EXAMPLES,
    )
    def get(self, request, payment_id: str):
        return Response(PaymentSerializer(selectors.payment_get(payment_id=int(payment_id), user=request.user)).data)


class PaymentRefundView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        operation_id="payments_refund",
        summary="Refund a payment (managers)",
        description="Refunds `amount` (default: all that is left) of a succeeded payment; refunds add up to at most "
        "the amount paid. Stripe payments are refunded through Stripe after the answer (the refund is `pending` "
        "until then); M-Pesa and manual payments are reversed outside Duka and recorded with the reversal's "
        "`reference`.",
        tags=["payments"],
        request=RefundRequestSerializer,
        responses={201: RefundSerializer, 400: schema.REFUND_BAD_REQUEST, 409: schema.REFUND_CONFLICT},
        examples=schema.REFUND_EXAMPLES,
    )
    def post(self, request, payment_id: str):
        body = RefundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = services.payment_refund(payment_id=int(payment_id), by=request.user, **body.validated_data)
        refund.refresh_from_db()
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class OrderMarkPaidView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        operation_id="orders_mark_paid",
        summary="Record a cash or bank-transfer payment (managers)",
        description="Records a manual payment of the pending order's whole total and marks it paid.",
        tags=["payments"],
        request=MarkPaidSerializer,
        responses={201: PaymentSerializer, 409: schema.MARK_PAID_CONFLICT},
        examples=schema.MARK_PAID_EXAMPLES,
    )
    def post(self, request, order_id: str):
        body = MarkPaidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = services.payment_record_manual(order_id=int(order_id), by=request.user, **body.validated_data)
        payment = selectors.payment_get(payment_id=payment.pk, user=request.user)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class FakeConfirmView(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="payments_fake_confirm",
        summary="Complete a development payment",
        description="Only with the fake provider (development): the order's customer answers as the provider "
        "would, `succeeded` or `failed`. 404 when the fake provider is off.",
        tags=["payments"],
        request=FakeConfirmSerializer,
        responses={200: PaymentSerializer},
        examples=schema.FAKE_CONFIRM_EXAMPLES,
    )
    def post(self, request, payment_id: str):
        body = FakeConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = services.fake_payment_complete(
            payment_id=int(payment_id), user=request.user, succeeded=body.validated_data["outcome"] == "succeeded"
        )
        return Response(PaymentSerializer(selectors.payment_get(payment_id=payment.pk, user=request.user)).data)


class WebhookView(APIView):
    """Provider notifications: no user, no session, no throttle; the provider's proof is checked by the service."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    provider: str

    def receive(self, request) -> None:
        services.notification_receive(
            provider=self.provider, body=request.body, headers=request.headers, remote_addr=client_ip(request)
        )


class StripeWebhookView(WebhookView):
    provider = Provider.STRIPE

    @extend_schema(
        operation_id="payments_webhook_stripe",
        summary="Stripe webhook",
        description="Stripe's events, verified with `Stripe-Signature` (STRIPE_WEBHOOK_SECRET, with a timestamp "
        "tolerance): `payment_intent.succeeded`, `payment_intent.payment_failed`, `charge.refunded`; others are "
        "acknowledged and stored. A redelivery changes nothing. 404 when Stripe is not configured.",
        tags=["payments"],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: schema.WEBHOOK_BAD_REQUEST, 404: schema.WEBHOOK_NOT_FOUND},
        examples=schema.STRIPE_WEBHOOK_EXAMPLES,
    )
    def post(self, request):
        self.receive(request)
        return Response({"received": True})


class MpesaCallbackView(WebhookView):
    provider = Provider.MPESA

    @extend_schema(
        operation_id="payments_webhook_mpesa",
        summary="M-Pesa STK push callback",
        description="Daraja's callback, accepted only on the secret path (MPESA_CALLBACK_TOKEN) and, when set, "
        "from MPESA_CALLBACK_ALLOWED_IPS. The body is not trusted: the outcome is confirmed with an STK push "
        "query, and the amount and receipt checked, before the order is paid. 404 on any other path.",
        tags=["payments"],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: schema.WEBHOOK_BAD_REQUEST, 404: schema.WEBHOOK_NOT_FOUND},
        examples=schema.MPESA_CALLBACK_EXAMPLES,
    )
    def post(self, request, token: str):
        services.mpesa_callback_token_check(token=token)
        self.receive(request)
        return Response({"ResultCode": 0, "ResultDesc": "Accepted"})
