from django.core.management.base import BaseCommand

from store.jobs import back_in_stock_alerts_send


class Command(BaseCommand):
    help = (
        "Email the waiting subscribers of every active product back in stock, once, honouring "
        "BACK_IN_STOCK_COOLDOWN_MINUTES."
    )

    def handle(self, *args, **options):
        sent = back_in_stock_alerts_send()
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} back-in-stock alerts."))
