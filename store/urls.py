from django.urls import path
from rest_framework.routers import SimpleRouter

from store.views import cart, catalog, checkout, images, orders, wishlist

router = SimpleRouter()
router.register("categories", catalog.CategoryViewSet, basename="category")
router.register("products", catalog.ProductViewSet, basename="product")
router.register(
    r"products/(?P<product_slug>[-a-zA-Z0-9_]+)/images", images.ProductImageViewSet, basename="product-image"
)
router.register("cart", cart.CartViewSet, basename="cart")
router.register("orders", orders.OrderViewSet, basename="order")
router.register("wishlist", wishlist.WishlistViewSet, basename="wishlist")

urlpatterns = [
    path("checkout/", checkout.CheckoutView.as_view(), name="checkout"),
    *router.urls,
]
