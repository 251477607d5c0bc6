from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from payments.receivers import order_cancelled_settle
        from store.signals import order_cancelled

        order_cancelled.connect(order_cancelled_settle, dispatch_uid="payments.order_cancelled_settle")
