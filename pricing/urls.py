from django.urls import path
from rest_framework.routers import SimpleRouter

from pricing import views
from store.constants import ID_PATTERN

router = SimpleRouter()
for prefix, viewset, basename in [
    ("shipping-zones", views.ShippingZoneViewSet, "shipping-zone"),
    ("shipping-methods", views.ShippingMethodViewSet, "shipping-method"),
    ("tax-rates", views.TaxRateViewSet, "tax-rate"),
    ("vouchers", views.VoucherViewSet, "voucher"),
]:
    viewset.lookup_value_regex = ID_PATTERN
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("cart/shipping-methods/", views.CartShippingMethodsView.as_view(), name="cart-shipping-methods"),
    path("cart/voucher/", views.CartVoucherView.as_view(), name="cart-voucher"),
    *router.urls,
]
