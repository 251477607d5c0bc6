from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.request_logs import request_logs_cleanup


class Command(BaseCommand):
    help = "Delete request logs older than the retention period, in batches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.REQUEST_LOG_RETENTION_DAYS,
            help="Keep this many days of logs (default: REQUEST_LOG_RETENTION_DAYS, %(default)s).",
        )
        parser.add_argument("--batch-size", type=int, default=10_000, help="Rows per delete (default %(default)s).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, days: int, batch_size: int, dry_run: bool, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        count = request_logs_cleanup(
            older_than_days=days,
            batch_size=batch_size,
            dry_run=dry_run,
            on_progress=lambda deleted: self.stdout.write(f"  deleted {deleted} so far"),
        )
        if dry_run:
            self.stdout.write(f"Dry run: {count} request logs older than {days} days would be deleted.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Deleted {count} request logs older than {days} days."))
