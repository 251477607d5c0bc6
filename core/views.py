from django_filters import rest_framework as filters
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsManager
from core.analysis import suspicious_ip_blacklist, suspicious_ip_resolve
from core.blacklist import blacklist_add, blacklist_remove, blacklist_update
from core.client_ip import request_origin
from core.dashboard import security_dashboard
from core.models import BlacklistedIP, SuspiciousIP
from core.schema import (
    blacklist_schema,
    dashboard_schema,
    suspicious_blacklist_schema,
    suspicious_resolve_schema,
    suspicious_schema,
)
from core.serializers import (
    BlacklistedIPSerializer,
    DashboardQuerySerializer,
    DashboardSerializer,
    SuspiciousBlacklistSerializer,
    SuspiciousIPSerializer,
)


class SecurityDashboardView(APIView):
    permission_classes = [IsManager]

    @dashboard_schema
    def get(self, request):
        """Traffic per country and top IPs over a range of days, with blacklist and suspicious-IP counts."""
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(DashboardSerializer(security_dashboard(**query.validated_data)).data)


@blacklist_schema
class BlacklistViewSet(viewsets.ModelViewSet):
    """Blocked IP addresses. A change applies to every server within a second."""

    serializer_class = BlacklistedIPSerializer
    permission_classes = [IsManager]
    queryset = BlacklistedIP.objects.select_related("created_by").order_by("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = []

    def perform_create(self, serializer):
        serializer.instance = blacklist_add(
            created_by=self.request.user, origin=request_origin(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = blacklist_update(
            entry=serializer.instance, origin=request_origin(self.request), **serializer.validated_data
        )

    def perform_destroy(self, instance):
        blacklist_remove(entry=instance)


class SuspiciousFilter(filters.FilterSet):
    # A typed choice rather than BooleanFilter, which silently ignores values it cannot read.
    resolved = filters.TypedChoiceFilter(
        choices=[(value, value) for value in ("true", "false", "1", "0")], coerce=lambda value: value in ("true", "1")
    )

    class Meta:
        model = SuspiciousIP
        fields = ["resolved"]


@suspicious_schema
class SuspiciousViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """IPs flagged by the log analysis, newest activity first."""

    serializer_class = SuspiciousIPSerializer
    permission_classes = [IsManager]
    queryset = SuspiciousIP.objects.order_by("-last_seen", "-id")
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SuspiciousFilter

    @suspicious_blacklist_schema
    @action(detail=True, methods=["post"])
    def blacklist(self, request, pk=None):
        """Blacklist this IP (201, or 200 if it already was) and mark it resolved."""
        suspicious = self.get_object()
        body = SuspiciousBlacklistSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry, created = suspicious_ip_blacklist(
            suspicious=suspicious, created_by=request.user, origin=request_origin(request), **body.validated_data
        )
        return Response(
            BlacklistedIPSerializer(entry).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @suspicious_resolve_schema
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Mark this IP as reviewed."""
        suspicious = suspicious_ip_resolve(suspicious=self.get_object())
        return Response(SuspiciousIPSerializer(suspicious).data)
