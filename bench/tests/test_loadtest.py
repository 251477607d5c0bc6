import json
import time
import urllib.error
import urllib.request
from collections import Counter
from decimal import Decimal

import pytest

from bench.loadtest import (
    BROWSE_MIX,
    CLOCK_TICKS,
    SHOPPER_MIX,
    LoadTestStripe,
    Shopper,
    StepSummary,
    Tally,
    UnexpectedAnswer,
    Window,
    busy_cores,
    cpu_used,
    process_cpu,
    report,
    step_summary,
    sustained_step,
    weighted_choice,
)
from bench.prepare import buyers, shop_catalog
from payments.providers.base import PaymentOutcome, PaymentRequest
from payments.providers.stripe import StripeProvider
from store.models import Attribute, CartItem, Order, Product
from store.services.attributes import attribute_create, attribute_value_create, product_attributes_set

CHOICES = (("browse", 80), ("cart", 15), ("checkout", 5))


@pytest.mark.parametrize(
    ("roll", "expected"),
    [(0.0, "browse"), (0.7999, "browse"), (0.80, "cart"), (0.9499, "cart"), (0.95, "checkout"), (0.9999, "checkout")],
)
def test_weighted_choice_gives_each_name_its_share_of_the_rolls(roll, expected):
    assert weighted_choice(CHOICES, roll) == expected


def test_weighted_choice_over_even_rolls_matches_the_weights():
    picks = Counter(weighted_choice(SHOPPER_MIX, index / 1000) for index in range(1000))

    assert picks == {"browse": 800, "cart": 150, "checkout": 50}


def test_weighted_choice_takes_weights_that_do_not_add_up_to_100():
    assert [weighted_choice((("a", 1), ("b", 3)), roll) for roll in (0.2, 0.3, 0.99)] == ["a", "b", "b"]


def tally(latencies, catalog=0, orders=0, paid=0, errors=(), cpu=0.0) -> Tally:
    return Tally(
        latencies_ms=list(latencies),
        catalog_requests=catalog,
        orders=orders,
        paid_orders=paid,
        errors=len(errors),
        error_examples=list(errors),
        cpu_seconds=cpu,
    )


def test_step_summary_adds_up_the_processes_and_divides_by_the_measured_seconds():
    first = tally(range(1, 51), catalog=40, orders=3, paid=2, cpu=1.0)
    second = tally(range(51, 101), catalog=30, orders=1, paid=1, errors=["POST /api/checkout/: 500"], cpu=0.5)

    step = step_summary(8, 10.0, [first, second], wall_seconds=15.0)

    assert (step.users, step.requests, step.requests_per_second) == (8, 100, 10.0)
    assert (step.catalog_per_second, step.orders_per_second, step.paid_per_second) == (7.0, 0.4, 0.3)
    assert (step.p50_ms, step.p99_ms) == (50, 99)
    assert (step.errors, step.error_examples) == (1, ["POST /api/checkout/: 500"])
    assert step.generator_cores == pytest.approx(0.1)


def test_step_summary_of_a_step_without_requests_has_no_percentiles():
    step = step_summary(2, 5.0, [tally([]), tally([])])

    assert (step.requests, step.p50_ms, step.p99_ms, step.generator_cores) == (0, None, None, 0.0)


def step(users: int, p99_ms: float | None, errors: int = 0) -> StepSummary:
    return StepSummary(
        users=users,
        seconds=20,
        requests=1000,
        requests_per_second=50.0,
        catalog_per_second=30.0 + users,
        orders_per_second=2.5,
        paid_per_second=2.4,
        p50_ms=10.0,
        p99_ms=p99_ms,
        errors=errors,
        error_examples=[],
    )


def test_the_sustained_step_is_the_last_before_the_p99_passes_the_limit():
    steps = [step(2, 80.0), step(4, 200.0), step(8, 500.0), step(16, 501.0)]

    assert sustained_step(steps, 500).users == 8


def test_no_step_is_sustained_when_the_first_passes_the_limit():
    assert sustained_step([step(2, 900.0), step(4, 100.0)], 500) is None


def test_a_step_without_requests_ends_the_sustained_steps():
    assert sustained_step([step(2, 100.0), step(4, None), step(8, 100.0)], 500).users == 2


def test_the_report_gives_the_sustained_figures_and_every_steps_errors():
    lines = report([step(2, 100.0), step(4, 300.0, errors=2), step(8, 900.0, errors=1)], 500)

    assert lines[0].startswith("sustained at 4 users (p99 300.0 ms <= 500 ms): 2.50 orders/s (2.40 paid/s)")
    assert "34.0 catalog req/s" in lines[0]
    assert lines[-1] == "errors: 3"


def test_the_report_says_when_no_step_reached_the_limit_or_the_first_passed_it():
    assert "add larger LOADTEST_STEPS" in report([step(2, 100.0), step(4, 200.0)], 500)[1]
    assert report([step(2, 700.0)], 500) == [
        "sustained: none (the first step's p99 already passed 500 ms)",
        "errors: 0",
    ]


PROC_STAT_BEFORE = (
    "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\ncpu1 50 0 50 350 50 0 0 0 0 0\nintr 1"
)
PROC_STAT_AFTER = (
    "cpu  250 0 150 800 100 0 0 0 0 0\ncpu0 125 0 75 400 50 0 0 0 0 0\ncpu1 125 0 75 400 50 0 0 0 0 0\nintr 2"
)


def test_busy_cores_is_the_non_idle_share_of_the_elapsed_time_times_the_cpus():
    # 300 jiffies elapsed, 100 of them idle: two thirds busy, of two CPUs.
    assert busy_cores(PROC_STAT_BEFORE, PROC_STAT_AFTER) == pytest.approx(4 / 3)
    assert busy_cores(PROC_STAT_AFTER, PROC_STAT_AFTER) is None


WEBHOOK_SECRET = "whsec_test_loadtest"


def test_process_cpu_reads_the_session_and_user_plus_system_time_past_a_command_with_spaces():
    stat = f"4242 (gunicorn: (worker) x) S 4200 4200 4200 0 -1 4194560 900 0 0 0 {3 * CLOCK_TICKS} {CLOCK_TICKS} 0 0 20"

    assert process_cpu(stat) == (4200, 4.0)


def test_cpu_used_counts_new_processes_from_zero_and_leaves_out_those_gone():
    assert cpu_used({1: 10.0, 2: 5.0, 3: 1.0}, {1: 12.5, 2: 5.0, 4: 0.75}) == pytest.approx(3.25)


def test_the_confirm_endpoint_pays_the_intent_and_hands_back_a_webhook_stripe_would_sign():
    secret = WEBHOOK_SECRET
    with LoadTestStripe(secret) as server:
        provider = StripeProvider(
            secret_key=server.secret_key,
            publishable_key="pk_test_x",
            webhook_secret=secret,
            tolerance_seconds=300,
            api_base=server.url,
            timeout=5.0,
        )
        reference = provider.start(
            PaymentRequest(
                payment_id=1, order_id=7, amount=Decimal("12.50"), currency="KES", idempotency_key="payment-1-1"
            )
        ).reference
        confirm = urllib.request.Request(f"{server.url}/v1/payment_intents/{reference}/confirm", b"", method="POST")
        with urllib.request.urlopen(confirm, timeout=5) as response:
            webhook = json.loads(response.read())["webhook"]
        unknown = urllib.request.Request(f"{server.url}/v1/payment_intents/pi_nope/confirm", b"", method="POST")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(unknown, timeout=5)

        assert server.payment_intents[reference]["status"] == "succeeded"

    notification = provider.parse_notification(
        body=webhook["body"].encode(), headers=webhook["headers"], remote_addr="127.0.0.1"
    )
    assert (notification.outcome, notification.reference) == (PaymentOutcome.SUCCEEDED, reference)
    assert (notification.amount, notification.currency) == (Decimal("12.50"), "KES")
    assert missing.value.code == 404


@pytest.mark.django_db
def test_shop_catalog_stocks_every_active_product_and_lists_what_shoppers_pick(catalog):
    colour = attribute_create(name="Colour")
    for value in ("Red", "Blue"):
        attribute_value_create(attribute=colour, value=value)
    attribute_create(name="Weight", kind=Attribute.Kind.NUMBER)
    trail, leather, lamp, hidden = catalog["products"]
    product_attributes_set(product=trail, values={"colour": "red", "weight": 2})
    product_attributes_set(product=lamp, values={"colour": "blue"})
    product_attributes_set(product=hidden, values={"colour": "blue"})

    picked = shop_catalog(stock=5000)

    active = [product for product in catalog["products"] if product.is_active]
    assert set(Product.objects.filter(is_active=True).values_list("stock", flat=True)) == {5000}
    assert picked["products"] == sorted([product.pk, product.slug, product.category_id] for product in active)
    assert sorted(picked["categories"]) == sorted([catalog["shoes"].pk, catalog["lamps"].pk])
    assert "shoe" in picked["search"]
    assert picked["prices"] == ["30.00", "120.00"]
    assert picked["attribute_filters"] == [
        [catalog["shoes"].pk, "colour", "red"],
        [catalog["lamps"].pk, "colour", "blue"],
    ]


@pytest.fixture
def stripe_for_shoppers(settings):
    with LoadTestStripe(WEBHOOK_SECRET) as server:
        settings.STRIPE_SECRET_KEY = server.secret_key
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_loadtest"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.url
        yield server


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_shopper_browses_fills_a_cart_and_pays_an_order_without_an_error(catalog, live_server, stripe_for_shoppers):
    colour = attribute_create(name="Colour")
    attribute_value_create(attribute=colour, value="Red")
    product_attributes_set(product=catalog["products"][0], values={"colour": "red"})
    token = buyers(count=1)["buyers"][0]["token"]
    now = time.time()
    shopper = Shopper(
        live_server.url, stripe_for_shoppers.url, token, shop_catalog(stock=100), 1, Window(now, now, now + 600)
    )

    paths = [shopper.browse_path(kind) for kind, _ in BROWSE_MIX for _ in range(3)]
    for path in paths:
        shopper.call("catalog", "GET", path, {200})
    shopper.cart()
    shopper.checkout()

    assert shopper.tally.errors == 0
    assert (shopper.tally.catalog_requests, shopper.tally.orders, shopper.tally.paid_orders) == (len(paths), 1, 1)
    assert len(shopper.tally.latencies_ms) == len(paths) + 2 + 5
    order = Order.objects.get()
    assert (order.status, sum(order.items.values_list("quantity", flat=True))) == (Order.Status.PAID, 2)
    assert not CartItem.objects.exists()
    with pytest.raises(UnexpectedAnswer, match="GET /api/products/nope/: 404"):
        shopper.call("catalog", "GET", "/api/products/nope/", {200})
