"""An in-memory copy of the active products' faceted columns, for facet counts under attribute and price filters.

Counting each facet under every filter but its own needs, per faceted filter, the products matching all the
others. In SQL that is per-row work over about half the catalog (100 ms and more at 100,000 products); over
column arrays in memory it is a few vector operations (milliseconds). The copy is exact, not a cache that may
lag: `store_facetrevision` holds a number that every write to a faceted column replaces in its own
transaction (migration 0014), and a copy answers only while the row still holds the number it was read with,
one primary-key read per request. Numbers are never handed out twice, so no two catalog states share one.
Search and stock are not in the copy (stock changes with every order): when they filter, the same statement
that reads the version reads the ids of the products they leave, and every count is taken among those.

Positions: the active products are numbered 0..n-1. Prices are kept in cents and attribute numbers in
thousandths (the two and three decimal places their columns store), so every comparison is exact.
"""

import math
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.db import connection, transaction

if TYPE_CHECKING:
    from store.selectors.attributes import AttributeCondition

# The version, and the ids of the products the filters no facet is about (search, stock) leave, if any.
VERSION_SQL = "SELECT version, {narrowed} FROM store_facetrevision"
# One statement, so one view of the catalog: the version and the columns it stands for. The arrays of one
# subquery are aggregated from the same rows in the same order.
LOAD_SQL = """
SELECT (SELECT version FROM store_facetrevision), products.*, pairs.*, numbers.*
FROM (
    SELECT array_agg(id), array_agg(category_id), array_agg((COALESCE(discount_price, price) * 100)::bigint)
    FROM store_product WHERE is_active
) AS products (ids, category_ids, cents),
(
    SELECT array_agg(product.id), array_agg(value_id)
    FROM store_product AS product, unnest(product.attribute_value_ids) AS value_id WHERE product.is_active
) AS pairs (product_ids, value_ids),
(
    SELECT array_agg(product.id), array_agg(key::int), array_agg((number::numeric * 1000)::bigint)
    FROM store_product AS product, jsonb_each_text(product.attribute_numbers) AS item (key, number)
    WHERE product.is_active
) AS numbers (product_ids, attribute_ids, thousandths)
"""
INT64_BOUND = 2**62


def _scaled_bound(number: Decimal, scale: int, rounding) -> int:
    """`number` × `scale` rounded towards the inside of the range, within what an int64 column compares."""
    return max(-INT64_BOUND, min(INT64_BOUND, rounding(number * scale)))


def _bits(mask: np.ndarray) -> np.ndarray:
    """A set of positions (a boolean per position) as 64-bit words: bit i is position i, padding bits are 0."""
    padded = np.zeros(-(-len(mask) // 64) * 64, dtype=bool)
    padded[: len(mask)] = mask
    return np.packbits(padded, bitorder="little").view(np.uint64)


def _bools(bits: np.ndarray, size: int) -> np.ndarray:
    return np.unpackbits(bits.view(np.uint8), count=size, bitorder="little").astype(bool)


def _count(rows: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """How many positions of `bits` each row of sets (the last axis: words) holds."""
    return np.bitwise_count(rows & bits).sum(axis=-1)


def _at(size: int, positions: np.ndarray) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[positions] = True
    return mask


def _number(thousandths: np.int64) -> Decimal:
    return Decimal(int(thousandths)).scaleb(-3)


@dataclass(frozen=True)
class CatalogSnapshot:
    """The active products as sets of positions, 64 to a word: counting a facet value under a set of filters is
    an AND and a popcount over n / 64 words."""

    version: int
    size: int
    ids: np.ndarray  # per position: the product id
    id_order: np.ndarray  # the positions in product id order
    everything: np.ndarray  # the set of every position
    category_ids: np.ndarray  # distinct category ids
    category_bits: np.ndarray  # [category, word]: its products
    band_bits: np.ndarray  # [band, word]: the products in the band, numbered as SQL's width_bucket numbers it
    value_rows: dict[int, int]  # attribute value id -> its row of `value_bits`
    value_bits: np.ndarray  # [value, word]: the products carrying it
    cents: np.ndarray  # per position: the final price
    numbers: dict[int, tuple[np.ndarray, np.ndarray]]  # number attribute id -> (products with one, thousandths)

    def condition_bits(self, condition: "AttributeCondition") -> np.ndarray:
        if condition.value_ids:
            rows = [self.value_rows[pk] for pk in condition.value_ids if pk in self.value_rows]
            return np.bitwise_or.reduce(self.value_bits[rows], axis=0) if rows else np.zeros_like(self.everything)
        having, thousandths = self.numbers.get(condition.attribute.pk, (np.zeros_like(self.everything), None))
        if thousandths is None:
            return having
        within = np.ones(self.size, dtype=bool)
        if condition.minimum is not None:
            within &= thousandths >= _scaled_bound(condition.minimum, 1000, math.ceil)
        if condition.maximum is not None:
            within &= thousandths <= _scaled_bound(condition.maximum, 1000, math.floor)
        return having & _bits(within)

    def id_bits(self, product_ids: list[int]) -> np.ndarray:
        """The set of the positions of `product_ids`, active products of this copy's version."""
        ids = _array(product_ids)
        return _bits(_at(self.size, self.id_order[np.searchsorted(self.ids, ids, sorter=self.id_order)]))

    def price_bits(self, minimum: Decimal | None, maximum: Decimal | None) -> np.ndarray:
        within = np.ones(self.size, dtype=bool)
        if minimum is not None:
            within &= self.cents >= _scaled_bound(minimum, 100, math.ceil)
        if maximum is not None:
            within &= self.cents <= _scaled_bound(maximum, 100, math.floor)
        return _bits(within)

    def facet_rows(
        self,
        *,
        category_ids: list[int] | None,
        minimum_price: Decimal | None,
        maximum_price: Decimal | None,
        conditions: tuple["AttributeCondition", ...],
        number_attribute_ids: list[int],
        narrowed_to: list[int] | None = None,
    ) -> list[tuple]:
        """The facet rows in the shape of `attributes.FACETS_SQL`'s: each facet counted over the positions that
        pass every filter but its own, among the products `narrowed_to` (ids; every active product if None)."""
        base = self.everything if narrowed_to is None else self.id_bits(narrowed_to)
        filters: dict[object, np.ndarray] = {}
        if category_ids is not None:
            chosen = self.category_bits[np.isin(self.category_ids, category_ids)]
            filters["category"] = (
                np.bitwise_or.reduce(chosen, axis=0) if len(chosen) else np.zeros_like(self.everything)
            )
        if minimum_price is not None or maximum_price is not None:
            filters["price"] = self.price_bits(minimum_price, maximum_price)
        for condition in conditions:
            filters[condition.attribute.pk] = self.condition_bits(condition)

        def passing(but: object = None) -> np.ndarray:
            bits = base.copy()
            for key, filter_bits in filters.items():
                if key != but:
                    bits &= filter_bits
            return bits

        every = passing()
        rows = [("total", None, int(np.bitwise_count(every).sum()), None, None)]
        counts = _count(self.category_bits, passing("category"))
        rows += [("category", str(pk), int(n), None, None) for pk, n in zip(self.category_ids, counts, strict=True)]
        rows += [
            ("price", str(band), int(n), None, None) for band, n in enumerate(_count(self.band_bits, passing("price")))
        ]
        value_counts = _count(self.value_bits, every)
        but_own = {}
        for condition in conditions:
            pk = condition.attribute.pk
            but_own[pk] = passing(pk)
            # A filtered attribute's values (all of them, not only the chosen ones) count under the other filters.
            own = [
                self.value_rows[value.pk] for value in condition.attribute.values.all() if value.pk in self.value_rows
            ]
            value_counts[own] = _count(self.value_bits[own], but_own[pk])
        rows += [("value", str(pk), int(value_counts[row]), None, None) for pk, row in self.value_rows.items()]
        for attribute_id in number_attribute_ids:
            having, thousandths = self.numbers.get(attribute_id, (np.zeros_like(self.everything), None))
            chosen = np.empty(0, dtype=np.int64)
            if thousandths is not None:
                chosen = thousandths[_bools(having & but_own.get(attribute_id, every), self.size)]
            low, high = (_number(chosen.min()), _number(chosen.max())) if len(chosen) else (None, None)
            rows.append(("number", str(attribute_id), len(chosen), low, high))
        return rows


def _array(values: list | None) -> np.ndarray:
    return np.array(values or [], dtype=np.int64)


def _grouped(keys: np.ndarray, items: np.ndarray) -> dict[int, np.ndarray]:
    """`items` grouped by `keys` (same length); nothing for no keys (a catalog without number attributes, say)."""
    if not len(keys):
        return {}
    order = np.argsort(keys, kind="stable")
    distinct, starts = np.unique(keys[order], return_index=True)
    return dict(zip(distinct.tolist(), np.split(items[order], starts[1:]), strict=True))


def _load(price_band_bounds: tuple[Decimal, ...]) -> CatalogSnapshot | None:
    with transaction.atomic(), connection.cursor() as cursor:
        # Compiling this one query to machine code costs more than running it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(LOAD_SQL)
        version, ids, category_ids, cents, pair_ids, value_ids, number_ids, attribute_ids, thousandths = (
            cursor.fetchone()
        )
    if version is None:
        return None
    ids, cents, thousandths, attribute_ids = _array(ids), _array(cents), _array(thousandths), _array(attribute_ids)
    size = len(ids)
    by_id = np.argsort(ids)

    def positions(product_ids: list | None) -> np.ndarray:
        return by_id[np.searchsorted(ids, _array(product_ids), sorter=by_id)]

    category_ids, categories = np.unique(_array(category_ids), return_inverse=True)
    bands = np.searchsorted([int(bound * 100) for bound in price_band_bounds], cents, side="right")
    values = _grouped(_array(value_ids), positions(pair_ids))
    number_positions = positions(number_ids)
    numbers = {}
    for attribute_id, indexes in _grouped(attribute_ids, np.arange(len(attribute_ids))).items():
        per_position = np.zeros(size, dtype=np.int64)
        per_position[number_positions[indexes]] = thousandths[indexes]
        numbers[attribute_id] = (_bits(_at(size, number_positions[indexes])), per_position)

    def table(sets: list[np.ndarray]) -> np.ndarray:
        return np.array(sets, dtype=np.uint64).reshape(len(sets), -(-size // 64))

    return CatalogSnapshot(
        version=version,
        size=size,
        ids=ids,
        id_order=by_id,
        everything=_bits(np.ones(size, dtype=bool)),
        category_ids=category_ids,
        category_bits=table([_bits(categories == index) for index in range(len(category_ids))]),
        band_bits=table([_bits(bands == band) for band in range(len(price_band_bounds) + 1)]),
        value_rows={value_id: row for row, value_id in enumerate(values)},
        value_bits=table([_bits(_at(size, value_positions)) for value_positions in values.values()]),
        cents=cents,
        numbers=numbers,
    )


_current: CatalogSnapshot | None = None
_loaded_at = -math.inf


def catalog_snapshot(
    *, price_band_bounds: tuple[Decimal, ...], narrowing: tuple[str, list] | None = None
) -> tuple[CatalogSnapshot | None, list[int] | None]:
    """The copy of the catalog (prices banded by `price_band_bounds`) as this request's connection sees it: the
    one in memory while its version is still the database's, else a fresh one, unless one was read less than
    `FACETS_RELOAD_SECONDS` ago: during a burst of catalog writes, reading it for every request would cost more
    than answering in SQL. With it, the ids of the products of the `narrowing` query (SQL and parameters; the
    filters no facet is about), read in the same statement as the version so they belong to the same state.
    (None, None) when there is no current copy to answer with."""
    global _current, _loaded_at
    narrowed_sql, params = "NULL", []
    if narrowing is not None:
        narrowed_sql, params = f"(SELECT array_agg(id) FROM ({narrowing[0]}) AS narrowed)", list(narrowing[1])
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL.format(narrowed=narrowed_sql), params)
        row = cursor.fetchone()
    if row is None:
        return None, None
    version, narrowed_ids = row
    if narrowing is not None:
        narrowed_ids = narrowed_ids or []
    snapshot = _current
    if snapshot is None or snapshot.version != version:
        if time.monotonic() - _loaded_at < settings.FACETS_RELOAD_SECONDS:
            return None, None
        _loaded_at = time.monotonic()
        snapshot = _current = _load(price_band_bounds)
    if snapshot is None or (narrowing is not None and snapshot.version != version):
        # A write came between the two reads: the ids belong to the older state. The next request has the copy.
        return None, None
    return snapshot, narrowed_ids
