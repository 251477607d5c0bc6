from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.views import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("accounts.urls")),
    path("api/", include("store.urls")),
    path("api/", include("core.urls")),
    # Last: any other /api/.../ path is a JSON 404. Paths without the trailing slash fall through, so
    # APPEND_SLASH still redirects `/api/products` to `/api/products/`. Any character, a newline included.
    re_path(r"^api/(?:[\s\S]*/)?$", api_not_found),
]
