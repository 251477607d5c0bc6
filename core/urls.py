from django.urls import path
from rest_framework.routers import SimpleRouter

from core import views

router = SimpleRouter()
router.register("security/blacklist", views.BlacklistViewSet, basename="blacklist")
router.register("security/suspicious", views.SuspiciousViewSet, basename="suspicious")

urlpatterns = [
    path("security/dashboard/", views.SecurityDashboardView.as_view(), name="security-dashboard"),
    *router.urls,
]
