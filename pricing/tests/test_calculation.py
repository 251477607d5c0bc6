"""The one price calculation, by example and over random carts, vouchers, shipping and tax settings."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pricing.calculation import (
    FIXED,
    FREE_SHIPPING,
    PERCENTAGE,
    CartLine,
    ShippingChoice,
    VoucherTerms,
    price_breakdown,
)

D = Decimal


def line(product_id: int, price: str, quantity: int = 1, category_id: int = 1) -> CartLine:
    return CartLine(product_id, category_id, f"P{product_id}", quantity, D(price))


def test_tax_included_is_the_part_of_each_discounted_line_that_is_tax_rounded_half_up_per_line():
    breakdown = price_breakdown(
        lines=[line(1, "34.90", 2), line(2, "0.05", 1, category_id=2)],
        shipping_method=ShippingChoice(1, "Standard", D("300.00"), None),
        voucher=VoucherTerms("KARIBU10", PERCENTAGE, D("10")),
        tax_rates={None: D("16"), 2: D("0")},
        prices_include_tax=True,
    )

    first, second = breakdown.lines
    # 69.80 − 6.98 = 62.82 gross; net 62.82 / 1.16 = 54.155… → 54.16; tax 8.66.
    assert (first.discount, first.net, first.tax, first.gross) == (D("6.98"), D("54.16"), D("8.66"), D("62.82"))
    # 10% of 0.05 is 0.005 → 0.01 (half-up); untaxed category.
    assert (second.discount, second.net, second.tax, second.gross) == (D("0.01"), D("0.04"), D("0.00"), D("0.04"))
    assert (breakdown.subtotal, breakdown.discount, breakdown.shipping, breakdown.tax, breakdown.total) == (
        D("69.85"),
        D("6.99"),
        D("300.00"),
        D("8.66"),
        D("362.86"),
    )


def test_tax_excluded_is_added_per_line():
    breakdown = price_breakdown(
        lines=[line(1, "10.05", 1), line(2, "10.05", 1)],
        shipping_method=None,
        voucher=None,
        tax_rates={None: D("5")},
        prices_include_tax=False,
    )

    # 10.05 × 5% = 0.5025 → 0.50 per line, 1.00 in all (not 1.005 rounded once).
    assert [item.tax for item in breakdown.lines] == [D("0.50"), D("0.50")]
    assert (breakdown.tax, breakdown.total) == (D("1.00"), D("21.10"))


def test_a_fixed_voucher_is_capped_at_the_lines_it_covers_and_spread_over_them():
    breakdown = price_breakdown(
        lines=[line(1, "10.00", 1, category_id=7), line(2, "20.00", 1, category_id=7), line(3, "50.00", 1)],
        shipping_method=None,
        voucher=VoucherTerms("BIG", FIXED, D("100"), category_ids=frozenset({7})),
        tax_rates={},
        prices_include_tax=True,
    )

    assert [item.discount for item in breakdown.lines] == [D("10.00"), D("20.00"), D("0.00")]
    assert (breakdown.discount, breakdown.total) == (D("30.00"), D("50.00"))


def test_a_fixed_voucher_is_spread_by_largest_remainder_so_no_line_gets_a_negative_share():
    # Half-up shares with the last line taking the difference would give 0.01, 0.01, 0.01 and −0.01.
    breakdown = price_breakdown(
        lines=[line(product_id, "1.00") for product_id in range(1, 5)],
        shipping_method=None,
        voucher=VoucherTerms("TWO", FIXED, D("0.02")),
        tax_rates={},
        prices_include_tax=True,
    )

    assert [item.discount for item in breakdown.lines] == [D("0.01"), D("0.01"), D("0.00"), D("0.00")]
    assert breakdown.total == D("3.98")


def test_a_fixed_voucher_never_takes_more_off_a_line_than_it_costs():
    # Half-up shares of 0.04 each would leave the last line (0.01) with a discount of 0.04.
    breakdown = price_breakdown(
        lines=[*(line(product_id, "1.00") for product_id in range(1, 10)), line(10, "0.01")],
        shipping_method=None,
        voucher=VoucherTerms("FORTY", FIXED, D("0.40")),
        tax_rates={},
        prices_include_tax=True,
    )

    discounts = [item.discount for item in breakdown.lines]
    assert sum(discounts, D("0")) == D("0.40")
    assert all(D("0") <= item.discount <= item.amount for item in breakdown.lines)
    assert discounts[-1] in (D("0.00"), D("0.01"))


def test_free_shipping_takes_the_shipping_off_and_free_over_counts_the_discounted_goods():
    shipping = ShippingChoice(1, "Standard", D("300.00"), D("100.00"))
    free = price_breakdown(
        lines=[line(1, "120.00")],
        shipping_method=shipping,
        voucher=VoucherTerms("SHIP", FREE_SHIPPING, D("0")),
        tax_rates={},
        prices_include_tax=True,
    )
    below = price_breakdown(
        lines=[line(1, "105.00")],
        shipping_method=shipping,
        voucher=VoucherTerms("TEN", PERCENTAGE, D("10")),
        tax_rates={},
        prices_include_tax=True,
    )

    assert (free.discount, free.shipping, free.total) == (D("0.00"), D("0.00"), D("120.00"))
    assert (below.discount, below.shipping, below.total) == (D("10.50"), D("300.00"), D("394.50"))


money = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)
lines_strategy = st.lists(
    st.builds(
        CartLine,
        product_id=st.integers(1, 6),
        category_id=st.integers(1, 3),
        name=st.just("P"),
        quantity=st.integers(1, 50),
        unit_price=money,
    ),
    max_size=8,
    unique_by=lambda cart_line: cart_line.product_id,
)
vouchers = st.none() | st.builds(
    VoucherTerms,
    code=st.just("V"),
    kind=st.sampled_from([PERCENTAGE, FIXED, FREE_SHIPPING]),
    value=st.decimals(min_value=D("0"), max_value=D("100000"), places=2),
    category_ids=st.frozensets(st.integers(1, 3), max_size=2),
    product_ids=st.frozensets(st.integers(1, 6), max_size=2),
)
shipping_methods = st.none() | st.builds(
    ShippingChoice, method_id=st.just(1), name=st.just("S"), price=money, free_over=st.none() | money
)
tax_rate_maps = st.dictionaries(
    st.none() | st.integers(1, 3), st.decimals(min_value=D("0"), max_value=D("100"), places=2), max_size=4
)


@given(
    lines=lines_strategy,
    shipping_method=shipping_methods,
    voucher=vouchers,
    tax_rates=tax_rate_maps,
    prices_include_tax=st.booleans(),
    digits=st.sampled_from([0, 2, 3]),
)
def test_the_breakdown_adds_up_is_never_negative_and_no_discount_exceeds_what_it_applies_to(
    lines, shipping_method, voucher, tax_rates, prices_include_tax, digits
):
    breakdown = price_breakdown(
        lines=lines,
        shipping_method=shipping_method,
        voucher=voucher,
        tax_rates=tax_rates,
        prices_include_tax=prices_include_tax,
        digits=digits,
    )

    added_tax = D("0") if prices_include_tax else breakdown.tax
    assert breakdown.total == breakdown.subtotal - breakdown.discount + breakdown.shipping + added_tax
    assert breakdown.total >= 0
    assert 0 <= breakdown.discount <= breakdown.eligible
    assert breakdown.subtotal == sum((item.amount for item in breakdown.lines), D("0"))
    assert breakdown.tax == sum((item.tax for item in breakdown.lines), D("0"))
    for item in breakdown.lines:
        assert 0 <= item.discount <= item.amount
        assert item.net + item.tax == item.gross
        assert item.net >= 0 and item.tax >= 0
        assert item.gross == item.amount - item.discount + (D("0") if prices_include_tax else item.tax)
    if voucher is not None and voucher.kind == FREE_SHIPPING:
        assert breakdown.discount == breakdown.shipping
    elif voucher is None:
        assert breakdown.discount == 0
