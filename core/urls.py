from django.urls import path

from core import views

urlpatterns = [
    # Health
    path("health/", views.HealthView.as_view(), name="health"),
]
