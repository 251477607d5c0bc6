from django.urls import path
from rest_framework.routers import SimpleRouter

from store.views import attributes, cart, catalog, checkout, images, orders, restock, reviews, wishlist

router = SimpleRouter()
router.register("categories", catalog.CategoryViewSet, basename="category")
router.register("attributes", attributes.AttributeViewSet, basename="attribute")
router.register("products", catalog.ProductViewSet, basename="product")
router.register(
    rf"products/(?P<product_slug>{catalog.ProductViewSet.lookup_value_regex})/reviews",
    reviews.ReviewViewSet,
    basename="product-review",
)
router.register(
    r"products/(?P<product_slug>[-a-zA-Z0-9_]+)/images", images.ProductImageViewSet, basename="product-image"
)
router.register("cart", cart.CartViewSet, basename="cart")
router.register("orders", orders.OrderViewSet, basename="order")
router.register("restock-orders", restock.RestockOrderViewSet, basename="restock-order")
router.register("wishlist", wishlist.WishlistViewSet, basename="wishlist")

urlpatterns = [
    path("checkout/", checkout.CheckoutView.as_view(), name="checkout"),
    *router.urls,
]
