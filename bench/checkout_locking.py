"""Compare the two stock-locking designs for checkout under contention.

Usage: DJANGO_DEBUG=1 DATABASE_URL=... python bench/checkout_locking.py [--threads 50] [--rounds 5] [--lines 1]

Each round gives every buyer a cart holding one unit of each of `--lines` hot products (all buyers want
the same products) and lets all buyers check out at once. Both designs run the same transaction: lock the
buyer's cart row, take the product locks in primary-key order, deduct, insert the order and its items,
empty the cart. Only the locking statement differs:
  select_for_update  ordered SELECT ... FOR UPDATE, then one bulk UPDATE
  conditional_update UPDATE ... SET stock = stock - q WHERE id = ... AND stock >= q AND is_active, per line
The script creates its own rows (prefixed "bench-") and deletes them afterwards.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duka_app.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402

from accounts.models import User  # noqa: E402
from store.models import Cart, CartItem, Category, Order, OrderItem, Product  # noqa: E402


def lock_select_for_update(lines: list[CartItem]) -> dict[int, Product]:
    wanted = {line.product_id: line.quantity for line in lines}
    products = list(Product.objects.filter(pk__in=wanted).order_by("pk").select_for_update(of=("self",), no_key=True))
    if any(not p.is_active or p.stock < wanted[p.pk] for p in products):
        raise LookupError
    for product in products:
        product.stock -= wanted[product.pk]
    Product.objects.bulk_update(products, ["stock"])
    return {product.pk: product for product in products}


def lock_conditional_update(lines: list[CartItem]) -> dict[int, Product]:
    for line in sorted(lines, key=lambda line: line.product_id):
        updated = Product.objects.filter(pk=line.product_id, stock__gte=line.quantity, is_active=True).update(
            stock=F("stock") - line.quantity
        )
        if not updated:
            raise LookupError
    return Product.objects.in_bulk([line.product_id for line in lines])


def checkout(user: User, lock) -> bool:
    try:
        with transaction.atomic():
            cart = Cart.objects.select_for_update().get(user=user)
            lines = list(cart.items.all())
            products = lock(lines)
            order = Order.objects.create(user=user, total_amount=Decimal("0"))
            OrderItem.objects.bulk_create(
                OrderItem(
                    order=order,
                    product_id=line.product_id,
                    product_name=products[line.product_id].name,
                    sku=products[line.product_id].sku,
                    quantity=line.quantity,
                    price_at_purchase=products[line.product_id].final_price,
                )
                for line in lines
            )
            cart.items.all().delete()
        return True
    except LookupError:
        return False


def run_round(users: list[User], products: list[Product], lock, stock: int) -> tuple[float, int]:
    Product.objects.filter(pk__in=[p.pk for p in products]).update(stock=stock)
    for user in users:
        CartItem.objects.bulk_create(CartItem(cart=user.cart, product=p, quantity=1) for p in products)
    barrier = threading.Barrier(len(users) + 1)
    results: list[bool] = []

    def buyer(user: User) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            results.append(checkout(user, lock))
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    CartItem.objects.filter(cart__user__in=users).delete()
    return elapsed, sum(results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lines", type=int, default=1)
    args = parser.parse_args()

    category = Category.objects.create(name="bench-category", slug="bench-category")
    products = [
        Product.objects.create(category=category, name=f"bench-{i}", slug=f"bench-{i}", sku=f"bench-{i}", price=10)
        for i in range(args.lines)
    ]
    users = [User.objects.create(username=f"bench-{i}", email=f"bench-{i}@example.com") for i in range(args.threads)]
    for user in users:
        Cart.objects.create(user=user)
    try:
        designs = {"select_for_update": lock_select_for_update, "conditional_update": lock_conditional_update}
        for stock, label in [(10**6, "all succeed"), (10, "10 in stock")]:
            timings: dict[str, list[float]] = {name: [] for name in designs}
            sold: dict[str, set[int]] = {name: set() for name in designs}
            for _ in range(args.rounds):
                for name, lock in designs.items():  # interleaved so both see the same machine load
                    elapsed, successes = run_round(users, products, lock, stock)
                    timings[name].append(elapsed)
                    sold[name].add(successes)
            for name in designs:
                median = statistics.median(timings[name])
                print(
                    f"{label:12} {name:19} lines={args.lines} threads={args.threads} "
                    f"median={median * 1000:7.1f} ms  min={min(timings[name]) * 1000:7.1f} ms  "
                    f"checkouts/s={args.threads / median:7.0f}  orders={sorted(sold[name])}"
                )
    finally:
        OrderItem.objects.filter(order__user__in=users).delete()
        Order.objects.filter(user__in=users).delete()
        for user in users:
            user.delete()
        Product.objects.filter(pk__in=[p.pk for p in products]).delete()
        category.delete()


if __name__ == "__main__":
    main()
