"""The project's URLs plus the stored product images (the project serves those only with DEBUG on, and the live
test server runs with DEBUG off) and a stand-in for Stripe.js."""

from pathlib import Path

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from duka_app.urls import urlpatterns as project_urlpatterns


def media_serve(request, path: str):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def stripe_js_stand_in(request):
    return serve(request, "stripe_stand_in.js", document_root=Path(__file__).parent)


urlpatterns = [
    *project_urlpatterns,
    re_path(r"^media/(?P<path>.+)$", media_serve),
    re_path(r"^stripe-stand-in\.js$", stripe_js_stand_in),
]
