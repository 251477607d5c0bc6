from django.urls import path

from bench import baseline
from bench.bare.models import Product

urlpatterns = [
    path("bench/ping/", baseline.ping),
    path("bench/products/", baseline.product_list, {"products": Product}),
    path("bench/products/<slug:slug>/", baseline.product_detail, {"products": Product}),
]
