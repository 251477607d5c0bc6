"""The reference storefront: one HTML shell for /shop/ and every path under it. The page is a single-page app
(static ES modules) that reads and writes everything through the public REST API; the shell only says where
the shop and the API live and which currency prices are in."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def shop_shell(request, path: str = ""):
    return render(
        request,
        "storefront/index.html",
        {"shop_base": reverse("storefront:home"), "currency": settings.STORE_CURRENCY},
    )
