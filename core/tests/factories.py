import factory
from django.utils import timezone

from core.models import BlacklistedIP, RequestLog, RequestLogDaily, SuspiciousIP


class RequestLogFactory(factory.django.DjangoModelFactory):
    """A bare log row. It updates no daily count: for rows the dashboard must see, use the `add_logs`
    fixture, which writes through the same service as the drain."""

    class Meta:
        model = RequestLog

    timestamp = factory.LazyFunction(timezone.now)
    ip = "203.0.113.7"
    method = "GET"
    path = "/api/products/"
    status_code = 200
    response_time_ms = 3.5


class RequestLogDailyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestLogDaily

    day = factory.LazyFunction(timezone.localdate)
    ip = factory.Sequence(lambda n: f"198.51.100.{n % 256}")
    country = "KE"
    request_count = 1


class BlacklistedIPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlacklistedIP

    ip = factory.Sequence(lambda n: f"203.0.113.{n % 256}")
    reason = ""


class SuspiciousIPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuspiciousIP

    ip = factory.Sequence(lambda n: f"192.0.2.{n % 256}")
    reason = "burst"
    first_seen = factory.LazyFunction(timezone.now)
    last_seen = factory.LazyAttribute(lambda suspicious: suspicious.first_seen)
