from django.urls import path
from rest_framework.routers import DefaultRouter

from store import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False

# --- cart, checkout, orders ---------------------------------------------------------------------------------
router.register("cart", views.CartViewSet, basename="cart")
router.register("orders", views.OrderViewSet, basename="order")

urlpatterns = [
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
    *router.urls,
]
