"""The one price calculation: a cart's breakdown from its lines, the destination, the shipping method, the voucher
and the tax rates. Pure: it reads no database and no settings, so the cart summary and checkout (which passes
what it read under its locks) cannot disagree, and property tests can run it over random inputs.

Rounding: every amount is rounded half-up to the currency's minor unit (cents; whole units for zero-decimal
currencies), once per line: a line's discount, then its net and tax. The order's amounts are sums of rounded
line amounts, so the lines always add up to the totals.

- subtotal: the lines at their shelf (final) prices.
- discount: what the voucher takes off, at most the amount it applies to: the eligible lines (percentage,
  fixed amount, spread over those lines in proportion), or the shipping (free shipping).
- shipping: the method's price, nothing once the discounted goods reach its `free_over`.
- tax: per line, at the country's rate for the product's category (else the country's general rate, else 0),
  on the line after its discount. With prices that include tax it is the part of the line that is tax; with
  prices that exclude it, it is added. Shipping is not taxed.
- total = subtotal − discount + shipping (+ tax when prices exclude it), never negative.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")

PERCENTAGE, FIXED, FREE_SHIPPING = "percentage", "fixed", "free_shipping"


@dataclass(frozen=True)
class CartLine:
    product_id: int
    category_id: int
    name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ShippingChoice:
    method_id: int
    name: str
    price: Decimal
    free_over: Decimal | None

    def cost(self, *, goods: Decimal) -> Decimal:
        """The price, or nothing when the goods (after their discount) reach `free_over`."""
        return ZERO if self.free_over is not None and goods >= self.free_over else self.price


@dataclass(frozen=True)
class VoucherTerms:
    code: str
    kind: str
    value: Decimal
    # Empty sets: the voucher applies to every line.
    category_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()

    def covers(self, line: CartLine) -> bool:
        if not self.category_ids and not self.product_ids:
            return True
        return line.category_id in self.category_ids or line.product_id in self.product_ids


@dataclass(frozen=True)
class PricedLine:
    product_id: int
    name: str
    quantity: int
    unit_price: Decimal
    amount: Decimal  # quantity × unit price
    discount: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Breakdown:
    lines: list[PricedLine]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    prices_include_tax: bool
    eligible: Decimal = ZERO  # what the voucher applies to: the eligible lines' amount, or the shipping
    shipping_method: ShippingChoice | None = None
    voucher: VoucherTerms | None = None


def money_round(amount: Decimal, digits: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _spread(total: Decimal, weights: list[Decimal], digits: int) -> list[Decimal]:
    """`total` (at most the sum of `weights`) split in proportion to `weights` by largest remainder, in minor
    units: the shares add up to `total` exactly and none is below zero or above its own weight."""
    unit = Decimal(1).scaleb(-digits)
    whole = sum((int(weight / unit) for weight in weights), 0)
    if whole <= 0:
        return [ZERO for _ in weights]
    units_total = int(total / unit)
    exact = [divmod(units_total * int(weight / unit), whole) for weight in weights]
    shares = [floor for floor, _ in exact]
    by_remainder = sorted(range(len(weights)), key=lambda index: exact[index][1], reverse=True)
    for index in by_remainder[: units_total - sum(shares)]:
        shares[index] += 1
    return [(unit * share).quantize(unit) for share in shares]


def _line_discounts(lines: list[CartLine], amounts: list[Decimal], voucher: VoucherTerms | None, digits: int):
    if voucher is None or voucher.kind == FREE_SHIPPING:
        return [ZERO for _ in lines], ZERO
    covered = [voucher.covers(line) for line in lines]
    eligible = sum((amount for amount, is_covered in zip(amounts, covered, strict=True) if is_covered), ZERO)
    if voucher.kind == PERCENTAGE:
        rate = min(voucher.value, HUNDRED) / HUNDRED
        return [
            money_round(amount * rate, digits) if is_covered else ZERO
            for amount, is_covered in zip(amounts, covered, strict=True)
        ], eligible
    off = money_round(min(voucher.value, eligible), digits)
    shares = iter(
        _spread(off, [amount for amount, is_covered in zip(amounts, covered, strict=True) if is_covered], digits)
    )
    return [next(shares) if is_covered else ZERO for is_covered in covered], eligible


def price_breakdown(
    *,
    lines: list[CartLine],
    shipping_method: ShippingChoice | None,
    voucher: VoucherTerms | None,
    tax_rates: dict[int | None, Decimal],
    prices_include_tax: bool,
    digits: int = 2,
) -> Breakdown:
    """The breakdown of `lines` shipped by `shipping_method` (None: no shipping charged) with `voucher` (None: no
    discount). `tax_rates` maps a category id to its rate in percent, and None to the general rate; an empty
    map (no destination known yet) means no tax."""
    amounts = [money_round(line.unit_price * line.quantity, digits) for line in lines]
    discounts, eligible = _line_discounts(lines, amounts, voucher, digits)
    priced, goods_discount = [], ZERO
    for line, amount, discount in zip(lines, amounts, discounts, strict=True):
        rate = tax_rates.get(line.category_id, tax_rates.get(None, ZERO)).quantize(Decimal("0.01"))
        discount = money_round(discount, digits)  # lines the voucher does not cover: 0 in the currency's digits
        base = amount - discount
        if prices_include_tax:
            net = money_round(base * HUNDRED / (HUNDRED + rate), digits)
            tax, gross = base - net, base
        else:
            tax = money_round(base * rate / HUNDRED, digits)
            net, gross = base, base + tax
        goods_discount += discount
        priced.append(
            PricedLine(
                line.product_id, line.name, line.quantity, line.unit_price, amount, discount, rate, net, tax, gross
            )
        )
    subtotal = money_round(sum(amounts, ZERO), digits)
    shipping = money_round(ZERO, digits)
    if shipping_method is not None:
        shipping = money_round(shipping_method.cost(goods=subtotal - goods_discount), digits)
    discount = money_round(goods_discount, digits)
    if voucher is not None and voucher.kind == FREE_SHIPPING:
        discount, eligible = shipping, shipping
    tax = money_round(sum((line.tax for line in priced), ZERO), digits)
    total = subtotal - discount + shipping + (ZERO if prices_include_tax else tax)
    return Breakdown(
        lines=priced,
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        tax=tax,
        total=total,
        prices_include_tax=prices_include_tax,
        eligible=eligible,
        shipping_method=shipping_method,
        voucher=voucher,
    )
