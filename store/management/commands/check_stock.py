from django.core.management.base import BaseCommand, CommandError

from store.services.stock import stock_mismatches


class Command(BaseCommand):
    help = "Check that every product's stock is the sum of its stock movements; list the products where it is not."

    def handle(self, *args, **options):
        mismatches = stock_mismatches()
        for product_id, stock, ledger in mismatches:
            self.stdout.write(f"Product {product_id}: stock {stock}, ledger {ledger} ({stock - ledger:+d})")
        if mismatches:
            raise CommandError(f"{len(mismatches)} product(s) whose stock is not the sum of their movements.")
        self.stdout.write(self.style.SUCCESS("Every product's stock is the sum of its movements."))
