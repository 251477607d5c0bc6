from django.db import IntegrityError
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsManager
from core.analysis import suspicious_ip_blacklist, suspicious_ip_resolve
from core.blacklist import blacklist_add, blacklist_remove, blacklist_update
from core.client_ip import request_origin
from core.dashboard import security_dashboard
from core.models import BlacklistedIP, SuspiciousIP
from core.serializers import (
    BlacklistedIPSerializer,
    DashboardQuerySerializer,
    DashboardSerializer,
    SuspiciousBlacklistSerializer,
    SuspiciousIPSerializer,
)
from duka_app.api.schema import error_response

# --- examples -----------------------------------------------------------------------------------------------

_BLACKLISTED_IP = {
    "id": 1,
    "ip": "203.0.113.7",
    "reason": "Credential stuffing",
    "expires_at": "2026-03-09T09:15:00Z",
    "is_active": True,
    "created_by": "manager",
    "created_at": "2026-03-02T09:15:00Z",
}
_BLACKLIST_EXAMPLES = [
    OpenApiExample(
        "Block for a week",
        value={"ip": "203.0.113.7", "reason": "Credential stuffing", "expires_at": "2026-03-09T09:15:00Z"},
        request_only=True,
    ),
    OpenApiExample("Blacklisted IP", value=_BLACKLISTED_IP, response_only=True, status_codes=["200", "201"]),
]
_NOT_BLOCKABLE = error_response(
    400,
    description=(
        "Invalid input, or `ip_not_blockable`: a loopback or unspecified address, the caller's own, or a trusted "
        "proxy's, none of which may be blacklisted."
    ),
    code="ip_not_blockable",
    detail="This is the address your request comes from; blacklisting it would lock you out.",
)
_SUSPICIOUS_IP = {
    "id": 1,
    "ip": "198.51.100.23",
    "reason": "12 failed logins in 10 minutes",
    "request_count": 812,
    "error_count": 64,
    "failed_login_count": 12,
    "first_seen": "2026-03-02T08:05:00Z",
    "last_seen": "2026-03-02T09:14:00Z",
    "resolved": False,
}
_SUSPICIOUS_EXAMPLES = [OpenApiExample("Suspicious IP", value=_SUSPICIOUS_IP, response_only=True)]


class SecurityDashboardView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        operation_id="security_dashboard",
        tags=["security"],
        summary="Traffic and security overview",
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="First day, YYYY-MM-DD (default: six days before `to`); 2000-01-01 to a year from today",
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                description="Last day, YYYY-MM-DD, inclusive (default: today); 2000-01-01 to a year from today",
            ),
            OpenApiParameter(
                "top_n",
                {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                description="How many top IPs, 1..100",
            ),
        ],
        responses=DashboardSerializer,
        examples=[
            OpenApiExample(
                "Last seven days",
                value={
                    "from": "2026-02-24",
                    "to": "2026-03-02",
                    "total_requests": 1200,
                    "requests_per_country": [{"country": "KE", "count": 800}, {"country": "US", "count": 400}],
                    "top_ips": [{"ip": "203.0.113.7", "count": 300, "country": "KE"}],
                    "blacklisted_count": 1,
                    "suspicious_count": 1,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        """Traffic per country and top IPs over a range of days, with blacklist and suspicious-IP counts."""
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(DashboardSerializer(security_dashboard(**query.validated_data)).data)


@extend_schema(tags=["security"])
@extend_schema_view(
    list=extend_schema(summary="List blacklisted IPs", examples=_BLACKLIST_EXAMPLES),
    create=extend_schema(
        summary="Blacklist an IP",
        examples=_BLACKLIST_EXAMPLES,
        responses={201: BlacklistedIPSerializer, 400: _NOT_BLOCKABLE},
    ),
    retrieve=extend_schema(summary="One blacklisted IP", examples=_BLACKLIST_EXAMPLES),
    partial_update=extend_schema(
        summary="Change a blacklist entry",
        examples=_BLACKLIST_EXAMPLES,
        responses={200: BlacklistedIPSerializer, 400: _NOT_BLOCKABLE},
    ),
    destroy=extend_schema(summary="Lift a blacklist entry"),
)
class BlacklistViewSet(viewsets.ModelViewSet):
    """Blocked IP addresses. A change applies to every server within a second."""

    serializer_class = BlacklistedIPSerializer
    permission_classes = [IsManager]
    queryset = BlacklistedIP.objects.select_related("created_by").order_by("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = []

    def perform_create(self, serializer):
        try:
            serializer.instance = blacklist_add(
                created_by=self.request.user, origin=request_origin(self.request), **serializer.validated_data
            )
        except IntegrityError as error:
            raise ValidationError({"ip": ["This IP address is already blacklisted."]}) from error

    def perform_update(self, serializer):
        try:
            serializer.instance = blacklist_update(
                entry=serializer.instance, origin=request_origin(self.request), **serializer.validated_data
            )
        except IntegrityError as error:
            raise ValidationError({"ip": ["This IP address is already blacklisted."]}) from error

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


@extend_schema(tags=["security"])
@extend_schema_view(
    list=extend_schema(summary="List suspicious IPs", examples=_SUSPICIOUS_EXAMPLES),
    retrieve=extend_schema(summary="One suspicious IP", examples=_SUSPICIOUS_EXAMPLES),
)
class SuspiciousViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """IPs flagged by the log analysis, newest activity first."""

    serializer_class = SuspiciousIPSerializer
    permission_classes = [IsManager]
    queryset = SuspiciousIP.objects.order_by("-last_seen", "-id")
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SuspiciousFilter

    @extend_schema(
        operation_id="security_suspicious_blacklist",
        summary="Blacklist a suspicious IP",
        request=SuspiciousBlacklistSerializer,
        responses={200: BlacklistedIPSerializer, 201: BlacklistedIPSerializer, 400: _NOT_BLOCKABLE},
        examples=[
            OpenApiExample(
                "Block for a week",
                value={"reason": "Credential stuffing", "expires_at": "2026-03-09T09:15:00Z"},
                request_only=True,
            ),
            OpenApiExample("Blacklisted IP", value=_BLACKLISTED_IP, response_only=True, status_codes=["200", "201"]),
        ],
    )
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

    @extend_schema(
        operation_id="security_suspicious_resolve",
        summary="Mark a suspicious IP as reviewed",
        request=None,
        responses=SuspiciousIPSerializer,
        examples=[OpenApiExample("Resolved", value={**_SUSPICIOUS_IP, "resolved": True}, response_only=True)],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Mark this IP as reviewed."""
        suspicious = suspicious_ip_resolve(suspicious=self.get_object())
        return Response(SuspiciousIPSerializer(suspicious).data)
