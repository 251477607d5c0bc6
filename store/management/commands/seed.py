from django.core.management.base import BaseCommand, CommandParser

from store.seed import BATCH_SIZE, demo_data_seed, demo_logins


class Command(BaseCommand):
    help = (
        "Seed demo data: a store manager, customers, five categories and products. Deterministic for a given "
        "--seed; re-running adds nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=_non_negative, default=50, help="number of products (default 50)")
        parser.add_argument("--customers", type=_non_negative, default=10, help="number of customers (default 10)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--reset", action="store_true", help="delete the whole catalog and the demo accounts first")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the catalog already has products")

    def handle(self, *args, products: int, customers: int, seed: int, reset: bool, if_empty: bool, **options):
        result = demo_data_seed(
            products=products,
            customers=customers,
            seed=seed,
            reset=reset,
            if_empty=if_empty,
            progress=self._progress,
        )
        if result.skipped:
            self.stdout.write("The catalog already has products; nothing seeded.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {result.managers} manager, {result.customers} customers, "
                    f"{result.categories} categories, {result.products} products, {result.reviews} reviews and "
                    f"{result.shipping_methods} shipping methods "
                    f"(seed {seed}); {result.images} product images generated."
                )
            )
        logins = demo_logins()
        if logins:
            self.stdout.write("Demo logins:")
            for username, password, role in logins:
                self.stdout.write(f"  {username} / {password}  ({role})")

    def _progress(self, what: str, done: int, total: int) -> None:
        """One line per tenth of the work (and at the end)."""
        step = max(total // 10, 1)
        if done == total or done // step != (done - BATCH_SIZE) // step:
            self.stdout.write(f"  {what}: {done:,}/{total:,}")


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number
