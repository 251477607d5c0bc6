from django.urls import include, path

from bench import baseline

urlpatterns = [
    path("bench/ping/", baseline.ping, name="bench-ping"),
    path("bench/products/", baseline.product_list, name="bench-product-list"),
    path("bench/products/<slug:slug>/", baseline.product_detail, name="bench-product-detail"),
    path("", include("duka_app.urls")),
]
