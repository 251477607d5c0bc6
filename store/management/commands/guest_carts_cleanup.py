from django.core.management.base import BaseCommand

from store.services.cart import guest_carts_delete_expired


class Command(BaseCommand):
    help = "Delete guest carts past their expiry (GUEST_CART_DAYS after their last change), with their lines."

    def handle(self, *args, **options):
        deleted = guest_carts_delete_expired()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} expired guest carts."))
