from django.core.management.base import BaseCommand

from core.analysis import suspicious_ips_analyze


class Command(BaseCommand):
    help = "Flag suspicious IPs from recent request logs (and auto-blacklist when configured)."

    def handle(self, *args, **options):
        result = suspicious_ips_analyze()
        self.stdout.write(f"Flagged {result['flagged']} IP(s), blacklisted {result['blacklisted']}.")
