"""The payment providers this installation takes, from settings."""

from django.conf import settings

from payments.models import Provider
from payments.providers.base import PaymentProvider
from payments.providers.fake import FakeProvider
from payments.providers.mpesa import MpesaProvider
from payments.providers.stripe import StripeProvider


def providers_enabled() -> list[str]:
    enabled = []
    if settings.STRIPE_SECRET_KEY:
        enabled.append(Provider.STRIPE)
    if settings.MPESA_CONSUMER_KEY:
        enabled.append(Provider.MPESA)
    if settings.PAYMENTS_FAKE_PROVIDER:
        enabled.append(Provider.FAKE)
    return enabled


def providers_public() -> list[dict[str, str]]:
    """The enabled providers as a client sees them: what it needs to pay with each, and never a secret."""
    described = []
    for name in providers_enabled():
        if name == Provider.STRIPE:
            described.append(
                {"id": name, "publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "js_url": settings.STRIPE_JS_URL}
            )
        else:
            described.append({"id": name})
    return described


def provider_get(name: str) -> PaymentProvider:
    """The provider called `name`; the caller checks it is among `providers_enabled()` first."""
    if name == Provider.STRIPE:
        return StripeProvider.from_settings()
    if name == Provider.MPESA:
        return MpesaProvider.from_settings()
    if name == Provider.FAKE:
        return FakeProvider()
    raise LookupError(f"No payment provider {name!r}.")
