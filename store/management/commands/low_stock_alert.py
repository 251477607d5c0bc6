from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from store.jobs import low_stock_alert_send


class Command(BaseCommand):
    help = "Email the managers one digest of active products at or under the low-stock threshold."

    def add_arguments(self, parser):
        parser.add_argument(
            "--threshold",
            type=int,
            default=settings.LOW_STOCK_THRESHOLD,
            help="Alert at this stock or below (default: LOW_STOCK_THRESHOLD, %(default)s).",
        )

    def handle(self, *args, threshold: int, **options):
        if threshold < 0:
            raise CommandError("--threshold must be 0 or more.")
        result = low_stock_alert_send(threshold=threshold)
        if result.rearmed:
            self.stdout.write(f"{result.rearmed} restocked products will be alerted again when they run low.")
        if not result.recipients:
            self.stdout.write(self.style.WARNING("No active manager or administrator has an email address."))
        elif result.alerted:
            self.stdout.write(
                self.style.SUCCESS(f"Alerted {result.recipients} recipients about {result.alerted} products.")
            )
        else:
            self.stdout.write("No product newly at or under the threshold.")
