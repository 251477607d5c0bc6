from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from store.jobs import order_reminders_send


class Command(BaseCommand):
    help = "Remind customers of orders pending longer than ORDER_REMINDER_AFTER_HOURS, once per order."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=settings.ORDER_REMINDER_AFTER_HOURS,
            help="Remind orders pending longer than this (default: ORDER_REMINDER_AFTER_HOURS, %(default)s).",
        )

    def handle(self, *args, hours: int, **options):
        if hours < 0:
            raise CommandError("--hours must be 0 or more.")
        sent = order_reminders_send(
            older_than_hours=hours, on_progress=lambda count: self.stdout.write(f"  {count} sent so far")
        )
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} order reminders."))
