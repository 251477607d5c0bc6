from django.urls import path
from rest_framework.routers import SimpleRouter

from store import views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="category")
router.register("products", views.ProductViewSet, basename="product")
router.register("cart", views.CartViewSet, basename="cart")
router.register("orders", views.OrderViewSet, basename="order")

urlpatterns = [
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
    *router.urls,
]
