from django.urls import path, re_path

from fulfilment import views
from store.constants import ID_PATTERN

urlpatterns = [
    re_path(
        rf"^orders/(?P<order_id>{ID_PATTERN})/shipments/$", views.OrderShipmentsView.as_view(), name="order-shipments"
    ),
    re_path(
        rf"^shipments/(?P<shipment_id>{ID_PATTERN})/events/$",
        views.ShipmentEventsView.as_view(),
        name="shipment-events",
    ),
    path("shipments/webhooks/<str:carrier>/", views.CarrierWebhookView.as_view(), name="shipment-webhook"),
    re_path(rf"^orders/(?P<order_id>{ID_PATTERN})/returns/$", views.OrderReturnsView.as_view(), name="order-returns"),
    path("returns/", views.ReturnListView.as_view(), name="return-list"),
    re_path(rf"^returns/(?P<return_id>{ID_PATTERN})/$", views.ReturnDetailView.as_view(), name="return-detail"),
    *(
        re_path(rf"^returns/(?P<return_id>{ID_PATTERN})/{action}/$", view.as_view(), name=f"return-{action}")
        for action, view in [
            ("approve", views.ReturnApproveView),
            ("reject", views.ReturnRejectView),
            ("receive", views.ReturnReceiveView),
            ("refund", views.ReturnRefundView),
        ]
    ),
]
