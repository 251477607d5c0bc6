"""The security endpoints' OpenAPI documentation: examples, error responses and summaries, one decorator per view."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view

from core.serializers import (
    BlacklistedIPSerializer,
    DashboardSerializer,
    SuspiciousBlacklistSerializer,
    SuspiciousIPSerializer,
)
from duka_app.api.schema import error_response

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

dashboard_schema = extend_schema(
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

suspicious_blacklist_schema = extend_schema(
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

suspicious_resolve_schema = extend_schema(
    operation_id="security_suspicious_resolve",
    summary="Mark a suspicious IP as reviewed",
    request=None,
    responses=SuspiciousIPSerializer,
    examples=[OpenApiExample("Resolved", value={**_SUSPICIOUS_IP, "resolved": True}, response_only=True)],
)


def blacklist_schema(viewset: type) -> type:
    return extend_schema(tags=["security"])(
        extend_schema_view(
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
        )(viewset)
    )


def suspicious_schema(viewset: type) -> type:
    return extend_schema(tags=["security"])(
        extend_schema_view(
            list=extend_schema(summary="List suspicious IPs", examples=_SUSPICIOUS_EXAMPLES),
            retrieve=extend_schema(summary="One suspicious IP", examples=_SUSPICIOUS_EXAMPLES),
        )(viewset)
    )
