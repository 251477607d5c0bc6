from datetime import UTC, datetime

from django.core.management.base import BaseCommand

from duka_app.ops.heartbeat import worker_heartbeat_record


class Command(BaseCommand):
    help = "Record a worker heartbeat now (the beat schedule does this every minute through a worker)."

    def handle(self, *args, **options):
        recorded_at = datetime.fromtimestamp(worker_heartbeat_record(), tz=UTC)
        self.stdout.write(f"Heartbeat recorded at {recorded_at.isoformat(timespec='seconds')}.")
