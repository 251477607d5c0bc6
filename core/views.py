from django.db import IntegrityError
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsManager
from core import selectors, services
from core.health import HealthState, health_report
from core.models import BlacklistedIP, SuspiciousIP
from core.serializers import (
    BlacklistedIPSerializer,
    DashboardQuerySerializer,
    DashboardSerializer,
    SuspiciousBlacklistSerializer,
    SuspiciousIPSerializer,
)

# --- Health ---------------------------------------------------------------------------------------------------


class HealthSerializer(serializers.Serializer):
    database = serializers.ChoiceField(choices=[HealthState.OK, HealthState.DOWN])
    cache = serializers.ChoiceField(choices=HealthState.choices)
    broker = serializers.ChoiceField(choices=HealthState.choices)
    worker_heartbeat = serializers.ChoiceField(choices=HealthState.choices)
    worker_heartbeat_age_seconds = serializers.IntegerField(
        allow_null=True, help_text="Seconds since a worker last reported; null when none has."
    )


class HealthView(APIView):
    """Liveness of the database, the shared cache, the broker and the workers. 503 when the database is down.

    Open to anyone and never throttled, for load balancers and monitors.
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer}, auth=[])
    def get(self, request):
        report = health_report()
        code = status.HTTP_503_SERVICE_UNAVAILABLE if report["database"] == HealthState.DOWN else status.HTTP_200_OK
        return Response(HealthSerializer(report).data, status=code, headers={"Cache-Control": "no-store"})


class SecurityDashboardView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="First day, YYYY-MM-DD (default: six days before `to`)"),
            OpenApiParameter("to", str, description="Last day, YYYY-MM-DD, inclusive (default: today)"),
            OpenApiParameter("top_n", int, description="How many top IPs, 1..100 (default 10)"),
        ],
        responses=DashboardSerializer,
    )
    def get(self, request):
        """Traffic per country and top IPs over a range of days, with blacklist and suspicious-IP counts."""
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(DashboardSerializer(selectors.security_dashboard(**query.validated_data)).data)


class BlacklistViewSet(viewsets.ModelViewSet):
    """Blocked IP addresses. A change applies to every server within a second."""

    serializer_class = BlacklistedIPSerializer
    permission_classes = [IsManager]
    queryset = BlacklistedIP.objects.select_related("created_by").order_by("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = []

    def perform_create(self, serializer):
        try:
            serializer.instance = services.blacklist_add(created_by=self.request.user, **serializer.validated_data)
        except IntegrityError as error:
            raise ValidationError({"ip": ["This IP address is already blacklisted."]}) from error

    def perform_update(self, serializer):
        try:
            serializer.instance = services.blacklist_update(entry=serializer.instance, **serializer.validated_data)
        except IntegrityError as error:
            raise ValidationError({"ip": ["This IP address is already blacklisted."]}) from error

    def perform_destroy(self, instance):
        services.blacklist_remove(entry=instance)


class SuspiciousFilter(filters.FilterSet):
    # A typed choice rather than BooleanFilter, which silently ignores values it cannot read.
    resolved = filters.TypedChoiceFilter(
        choices=[(value, value) for value in ("true", "false", "1", "0")], coerce=lambda value: value in ("true", "1")
    )

    class Meta:
        model = SuspiciousIP
        fields = ["resolved"]


class SuspiciousViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """IPs flagged by the log analysis, newest activity first."""

    serializer_class = SuspiciousIPSerializer
    permission_classes = [IsManager]
    queryset = SuspiciousIP.objects.order_by("-last_seen", "-id")
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SuspiciousFilter

    @extend_schema(
        request=SuspiciousBlacklistSerializer, responses={200: BlacklistedIPSerializer, 201: BlacklistedIPSerializer}
    )
    @action(detail=True, methods=["post"])
    def blacklist(self, request, pk=None):
        """Blacklist this IP (201, or 200 if it already was) and mark it resolved."""
        suspicious = self.get_object()
        body = SuspiciousBlacklistSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry, created = services.suspicious_ip_blacklist(
            suspicious=suspicious, created_by=request.user, **body.validated_data
        )
        return Response(
            BlacklistedIPSerializer(entry).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses=SuspiciousIPSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Mark this IP as reviewed."""
        suspicious = services.suspicious_ip_resolve(suspicious=self.get_object())
        return Response(SuspiciousIPSerializer(suspicious).data)
