from django.urls import path, re_path

from payments import views
from store.constants import ID_PATTERN

urlpatterns = [
    path("payments/providers/", views.ProvidersView.as_view(), name="payment-providers"),
    re_path(rf"^orders/(?P<order_id>{ID_PATTERN})/pay/$", views.OrderPayView.as_view(), name="order-pay"),
    re_path(
        rf"^orders/(?P<order_id>{ID_PATTERN})/payments/$", views.OrderPaymentsView.as_view(), name="order-payments"
    ),
    re_path(
        rf"^orders/(?P<order_id>{ID_PATTERN})/mark-paid/$", views.OrderMarkPaidView.as_view(), name="order-mark-paid"
    ),
    re_path(rf"^payments/(?P<payment_id>{ID_PATTERN})/$", views.PaymentDetailView.as_view(), name="payment-detail"),
    re_path(
        rf"^payments/(?P<payment_id>{ID_PATTERN})/refund/$", views.PaymentRefundView.as_view(), name="payment-refund"
    ),
    re_path(
        rf"^payments/(?P<payment_id>{ID_PATTERN})/fake-confirm/$",
        views.FakeConfirmView.as_view(),
        name="payment-fake-confirm",
    ),
    path("payments/webhooks/stripe/", views.StripeWebhookView.as_view(), name="payment-webhook-stripe"),
    path("payments/webhooks/mpesa/<str:token>/", views.MpesaCallbackView.as_view(), name="payment-webhook-mpesa"),
]
