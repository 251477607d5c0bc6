from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from duka_app.ops.health import HealthState, health_report

_HEALTHY = {
    "database": "ok",
    "cache": "ok",
    "broker": "ok",
    "worker_heartbeat": "ok",
    "worker_heartbeat_age_seconds": 12,
}


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

    @extend_schema(
        operation_id="health",
        tags=["operations"],
        summary="Health of the database, cache, broker and workers",
        responses={200: HealthSerializer, 503: HealthSerializer},
        auth=[],
        examples=[
            OpenApiExample("Healthy", value=_HEALTHY, response_only=True, status_codes=["200"]),
            OpenApiExample(
                "Database down",
                value={**_HEALTHY, "database": "down"},
                response_only=True,
                status_codes=["503"],
            ),
        ],
    )
    def get(self, request):
        report = health_report()
        code = status.HTTP_503_SERVICE_UNAVAILABLE if report["database"] == HealthState.DOWN else status.HTTP_200_OK
        return Response(HealthSerializer(report).data, status=code, headers={"Cache-Control": "no-store"})
