from django.core.management.base import BaseCommand

from payments.jobs import orders_expire_unpaid


class Command(BaseCommand):
    help = "Cancel the orders unpaid ORDER_PAYMENT_TIMEOUT_MINUTES after checkout and restore their stock."

    def handle(self, *args, **options):
        expired = orders_expire_unpaid()
        self.stdout.write(self.style.SUCCESS(f"Expired {expired} unpaid orders."))
