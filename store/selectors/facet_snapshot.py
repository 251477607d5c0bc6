"""An in-memory copy of the active products' faceted columns, for facet counts under attribute and price filters.

Counting each facet under every filter but its own needs, per faceted filter, the products matching all the
others. In SQL that is per-row work over about half the catalog (100 ms and more at 100,000 products); over
column arrays in memory it is a few vector operations (milliseconds). The copy is exact, not a cache that may
lag: `store_catalogversion` holds a number that every write to a faceted column replaces in its own
transaction (migration 0014), and a copy answers only while the row still holds the number it was read with,
one primary-key read per request. Numbers are never handed out twice, so no two catalog states share one.

Positions: the active products in id order are 0..n-1. Prices are kept in cents and attribute numbers in
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

VERSION_SQL = "SELECT version FROM store_catalogversion"
# One statement, so one view of the catalog: the version and the columns it stands for. The arrays of one
# subquery are aggregated from the same rows in the same order.
LOAD_SQL = """
SELECT (SELECT version FROM store_catalogversion), products.*, pairs.*, numbers.*
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


NOTHING = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class CatalogSnapshot:
    version: int
    category_ids: np.ndarray  # the distinct category ids, sorted
    categories: np.ndarray  # per position: the index of its category in `category_ids`
    cents: np.ndarray  # per position: the final price
    bands: np.ndarray  # per position: the price band, numbered as SQL's width_bucket numbers it
    value_positions: dict[int, np.ndarray]  # attribute value id -> positions carrying it
    numbers: dict[int, tuple[np.ndarray, np.ndarray]]  # number attribute id -> (positions, thousandths)

    @property
    def size(self) -> int:
        return len(self.categories)

    def _mask(self, positions: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[positions] = True
        return mask

    def condition_mask(self, condition: "AttributeCondition") -> np.ndarray:
        if condition.value_ids:
            return self._mask(np.concatenate([self.value_positions.get(pk, NOTHING) for pk in condition.value_ids]))
        positions, thousandths = self.numbers.get(condition.attribute.pk, (NOTHING, NOTHING))
        keep = np.ones(len(positions), dtype=bool)
        if condition.minimum is not None:
            keep &= thousandths >= _scaled_bound(condition.minimum, 1000, math.ceil)
        if condition.maximum is not None:
            keep &= thousandths <= _scaled_bound(condition.maximum, 1000, math.floor)
        return self._mask(positions[keep])

    def price_mask(self, minimum: Decimal | None, maximum: Decimal | None) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        if minimum is not None:
            mask &= self.cents >= _scaled_bound(minimum, 100, math.ceil)
        if maximum is not None:
            mask &= self.cents <= _scaled_bound(maximum, 100, math.floor)
        return mask

    def facet_rows(
        self,
        *,
        category_ids: list[int] | None,
        minimum_price: Decimal | None,
        maximum_price: Decimal | None,
        conditions: tuple["AttributeCondition", ...],
        number_attribute_ids: list[int],
    ) -> list[tuple]:
        """The facet rows in the shape of `attributes.FACETS_SQL`'s: each facet counted over the positions that
        pass every filter but its own."""
        masks: dict[object, np.ndarray] = {}
        if category_ids is not None:
            masks["category"] = np.isin(self.category_ids, category_ids)[self.categories]
        if minimum_price is not None or maximum_price is not None:
            masks["price"] = self.price_mask(minimum_price, maximum_price)
        for condition in conditions:
            masks[condition.attribute.pk] = self.condition_mask(condition)

        def passing(but: object = None) -> np.ndarray:
            mask = np.ones(self.size, dtype=bool)
            for key, condition_mask in masks.items():
                if key != but:
                    mask &= condition_mask
            return mask

        every = passing()
        rows = [("total", None, int(np.count_nonzero(every)), None, None)]
        counts = np.bincount(self.categories[passing("category")], minlength=len(self.category_ids))
        rows += [
            ("category", str(pk), int(count), None, None) for pk, count in zip(self.category_ids, counts, strict=True)
        ]
        counts = np.bincount(self.bands[passing("price")])
        rows += [("price", str(band), int(count), None, None) for band, count in enumerate(counts)]
        # A filtered attribute's values (all of them, not only the chosen ones) count under the other filters.
        but_own = {condition.attribute.pk: passing(condition.attribute.pk) for condition in conditions}
        mask_of_value = {
            value.pk: but_own[condition.attribute.pk]
            for condition in conditions
            for value in condition.attribute.values.all()
        }
        for value_id, positions in self.value_positions.items():
            mask = mask_of_value.get(value_id, every)
            rows.append(("value", str(value_id), int(np.count_nonzero(mask[positions])), None, None))
        for attribute_id in number_attribute_ids:
            positions, thousandths = self.numbers.get(attribute_id, (NOTHING, NOTHING))
            chosen = thousandths[but_own.get(attribute_id, every)[positions]]
            low, high = (_number(chosen.min()), _number(chosen.max())) if len(chosen) else (None, None)
            rows.append(("number", str(attribute_id), len(chosen), low, high))
        return rows


def _number(thousandths: np.int64) -> Decimal:
    return Decimal(int(thousandths)).scaleb(-3)


def _array(values: list | None) -> np.ndarray:
    return np.array(values or [], dtype=np.int64)


def _grouped(keys: np.ndarray, items: np.ndarray) -> dict[int, np.ndarray]:
    """`items` grouped by `keys` (same length)."""
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
    ids, cents, thousandths = _array(ids), _array(cents), _array(thousandths)
    by_id = np.argsort(ids)

    def positions(product_ids: list | None) -> np.ndarray:
        return by_id[np.searchsorted(ids, _array(product_ids), sorter=by_id)]

    number_positions = positions(number_ids)
    attribute_ids = _array(attribute_ids)
    category_ids, categories = np.unique(_array(category_ids), return_inverse=True)
    return CatalogSnapshot(
        version=version,
        category_ids=category_ids,
        categories=categories,
        cents=cents,
        bands=np.searchsorted([int(bound * 100) for bound in price_band_bounds], cents, side="right"),
        value_positions=_grouped(_array(value_ids), positions(pair_ids)),
        numbers={
            attribute_id: (number_positions[indexes], thousandths[indexes])
            for attribute_id, indexes in _grouped(attribute_ids, np.arange(len(attribute_ids))).items()
        },
    )


_current: CatalogSnapshot | None = None
_loaded_at = -math.inf


def catalog_snapshot(*, price_band_bounds: tuple[Decimal, ...]) -> CatalogSnapshot | None:
    """The copy of the catalog (prices banded by `price_band_bounds`) as this request's connection sees it: the
    one in memory while its version is still the database's, else a fresh one, unless one was read less than
    `FACETS_RELOAD_SECONDS` ago: during a burst of catalog writes, reading it for every request would cost more
    than answering in SQL. None when there is no current copy to answer with."""
    global _current, _loaded_at
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    snapshot = _current
    if row is None or (snapshot is not None and snapshot.version == row[0]):
        return snapshot if row is not None else None
    if time.monotonic() - _loaded_at < settings.FACETS_RELOAD_SECONDS:
        return None
    _loaded_at = time.monotonic()
    _current = _load(price_band_bounds)
    return _current
