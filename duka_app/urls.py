from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from duka_app.ops.views import HealthView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("accounts.urls")),
    path("api/", include("pricing.urls")),
    path("api/", include("store.urls")),
    path("api/", include("payments.urls")),
    path("api/", include("fulfilment.urls")),
    path("api/", include("core.urls")),
    path("api/health/", HealthView.as_view(), name="health"),
    path("shop/", include("storefront.urls")),
]
# The stored images, in development (DEBUG) with the filesystem storage; production serves them from the web
# server or the S3 store.
if settings.MEDIA_STORAGE == "filesystem":
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
