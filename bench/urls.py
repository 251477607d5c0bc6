from django.urls import include, path

from bench import baseline
from store.models import Product

urlpatterns = [
    path("bench/ping/", baseline.ping, name="bench-ping"),
    path("bench/products/", baseline.product_list, {"products": Product}, name="bench-product-list"),
    path("bench/products/<slug:slug>/", baseline.product_detail, {"products": Product}, name="bench-product-detail"),
    path("", include("duka_app.urls")),
]
