"""Sufficient statistics of the quality report, and their exact merge.

A :class:`ShardStats` is a set of named count tables: key columns plus int64 value columns.
Merging shards concatenates each table and sums the values per key, so it is associative and
commutative, and because every value is an integer the merge is exact: the report of merged
shards equals the single-process report bit for bit.

Real-valued sums (IoU, size bias and their squares) are kept in fixed point: each observation is
rounded to a multiple of ``2**-FIXED_POINT_BITS`` (6e-8) before it is summed, so sums are exact
integers (floating-point sums would depend on the order of addition). Means derived from them
are within 3e-8 of the floating-point mean. int64 sums hold at least ``2**31`` observations per
key (IoU <= 1 and |size bias| <= SIZE_BIAS_CLIP).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

FIXED_POINT_BITS = 24
FIXED_POINT_SCALE = float(1 << FIXED_POINT_BITS)
# log(area ratio) beyond +/-8 (a box 3000 times too large or small) is clipped so squares stay
# bounded; a pair matched at IoU >= t has |log ratio| <= log(1 / t), so this binds only for t < 3e-4.
SIZE_BIAS_CLIP = 8.0

TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "totals": ("name",),
    "scores": ("kind", "entity"),
    "confusion": ("gold_class", "ann_class"),
    "missing": ("kind", "entity", "bucket"),
    "coincidence": ("m", "first", "second"),
    "iaa_units": ("m",),
    "drift": ("kind", "entity", "window"),
    "class_mix": ("annotator", "window", "class_id"),
}
STRING_KEYS = frozenset({"name", "kind"})


class ShardMergeError(ValueError):
    """Shards computed with different shard-level parameters (or tables) cannot be merged."""


def to_fixed(values: np.ndarray) -> np.ndarray:
    """Round real values to int64 multiples of ``2**-FIXED_POINT_BITS``."""
    return np.rint(np.asarray(values, dtype=np.float64) * FIXED_POINT_SCALE).astype(np.int64)


def from_fixed(total: float | np.ndarray) -> float | np.ndarray:
    """Real value of a fixed-point sum."""
    return np.asarray(total, dtype=np.float64) / FIXED_POINT_SCALE


def empty_table(name: str, value_columns: Sequence[str]) -> pd.DataFrame:
    """An empty table with the key and value columns of ``name`` and canonical dtypes."""
    keys = TABLE_KEYS[name]
    return pd.DataFrame(
        {
            **{k: pd.Series([], dtype=object if k in STRING_KEYS else np.int64) for k in keys},
            **{v: pd.Series([], dtype=np.int64) for v in value_columns},
        }
    )


def factorize_keys(
    keys: Mapping[str, np.ndarray], *, sort: bool = False
) -> tuple[np.ndarray, pd.DataFrame]:
    """Dense code per row for the combination of key columns, and the key table (row k = code k).

    With ``sort`` the codes follow the lexicographic order of the keys (first key first).
    """
    column_codes, column_uniques, radix = [], [], 1
    for values in keys.values():
        codes, uniques = pd.factorize(np.asarray(values), sort=sort)
        column_codes.append(codes.astype(np.int64))
        column_uniques.append(np.asarray(uniques))
        radix *= max(len(uniques), 1)
    if radix >= 2**62:
        raise ShardMergeError("too many distinct key combinations to code in int64")
    n_rows = len(next(iter(keys.values()))) if keys else 0
    combined = np.zeros(n_rows, dtype=np.int64)
    for codes, uniques in zip(column_codes, column_uniques, strict=True):
        combined = combined * max(len(uniques), 1) + codes
    row_codes, distinct = pd.factorize(combined, sort=sort)
    remainder = np.asarray(distinct, dtype=np.int64)
    decoded: dict[str, np.ndarray] = {}
    for name, uniques in reversed(list(zip(keys, column_uniques, strict=True))):
        size = max(len(uniques), 1)
        decoded[name] = uniques[remainder % size] if len(uniques) else uniques
        remainder = remainder // size
    return row_codes.astype(np.int64), pd.DataFrame({name: decoded[name] for name in keys})


def canonical_table(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Sum rows with equal keys, sort by key and cast values to int64 (the canonical form)."""
    keys = list(TABLE_KEYS[name])
    missing = [k for k in keys if k not in table.columns]
    if missing:
        raise ShardMergeError(f"table {name!r}: missing key column(s) {missing}")
    values = [c for c in table.columns if c not in keys]
    if table.empty:
        return empty_table(name, values)
    codes, key_table = factorize_keys({k: table[k].to_numpy() for k in keys}, sort=True)
    sums = sum_by_code(codes, table[values].to_numpy(dtype=np.int64), len(key_table))
    summed = pd.concat([key_table, pd.DataFrame(sums, columns=values)], axis=1)
    dtypes = {key: object if key in STRING_KEYS else np.int64 for key in keys}
    return summed.astype(dtypes)


@dataclass(frozen=True, eq=False)
class ShardStats:
    """Sufficient statistics of one shard or of merged shards.

    ``fingerprint``: the shard-level parameters they were computed with (see
    :attr:`labelqc.report.ReportParams.fingerprint`); ``tables``: name -> canonical table.
    """

    fingerprint: str
    tables: Mapping[str, pd.DataFrame]

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (KeyError naming the available tables when absent)."""
        if name not in self.tables:
            raise KeyError(f"no table {name!r}; available: {sorted(self.tables)}")
        return self.tables[name]

    def equals(self, other: ShardStats) -> bool:
        """True when both hold the same fingerprint and identical tables."""
        return (
            self.fingerprint == other.fingerprint
            and set(self.tables) == set(other.tables)
            and all(self.tables[n].equals(other.tables[n]) for n in self.tables)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (e.g. a Celery chord result); inverse of :meth:`from_dict`."""
        return {
            "fingerprint": self.fingerprint,
            "tables": {
                name: {
                    "columns": [str(c) for c in table.columns],
                    "rows": table.astype(object).to_numpy().tolist(),
                }
                for name, table in sorted(self.tables.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShardStats:
        """Rebuild statistics from :meth:`to_dict` output."""
        try:
            fingerprint = str(data["fingerprint"])
            raw_tables = data["tables"]
        except (KeyError, TypeError) as error:
            raise ShardMergeError(
                f"stats: expected 'fingerprint' and 'tables' ({error})"
            ) from error
        tables: dict[str, pd.DataFrame] = {}
        for name, payload in raw_tables.items():
            if name not in TABLE_KEYS:
                raise ShardMergeError(f"stats.tables: unknown table {name!r}")
            columns = list(payload["columns"])
            frame = pd.DataFrame(payload["rows"], columns=columns)
            tables[name] = (
                canonical_table(name, frame)
                if len(frame)
                else empty_table(name, [c for c in columns if c not in TABLE_KEYS[name]])
            )
        return cls(fingerprint, tables)


def merge(shards: Iterable[ShardStats]) -> ShardStats:
    """Merge the statistics of disjoint item shards exactly (associative and commutative).

    Raises ShardMergeError when the shards were computed with different shard-level
    parameters or hold different tables.
    """
    parts = list(shards)
    if not parts:
        raise ShardMergeError("shards: expected at least one ShardStats")
    fingerprints = {part.fingerprint for part in parts}
    if len(fingerprints) != 1:
        raise ShardMergeError(
            "shards: computed with different shard-level parameters: "
            + " | ".join(sorted(fingerprints))
        )
    names = set(parts[0].tables)
    for index, part in enumerate(parts[1:], start=1):
        if set(part.tables) != names:
            raise ShardMergeError(
                f"shards[{index}]: holds tables {sorted(part.tables)}, expected {sorted(names)}"
            )
    merged: dict[str, pd.DataFrame] = {}
    for name in sorted(names):
        tables = [part.tables[name] for part in parts]
        columns = list(tables[0].columns)
        for index, table in enumerate(tables[1:], start=1):
            if list(table.columns) != columns:
                raise ShardMergeError(
                    f"shards[{index}].{name}: columns differ ({list(table.columns)} vs {columns})"
                )
        non_empty = [t for t in tables if len(t)]
        merged[name] = (
            canonical_table(name, pd.concat(non_empty, ignore_index=True))
            if non_empty
            else empty_table(name, [c for c in columns if c not in TABLE_KEYS[name]])
        )
    return ShardStats(parts[0].fingerprint, merged)


def sum_by_code(codes: np.ndarray, values: np.ndarray, n_codes: int) -> np.ndarray:
    """Exact int64 sums of the rows of ``values`` (N, C) per code in ``range(n_codes)``."""
    result = np.zeros((n_codes, values.shape[1]), dtype=np.int64)
    if codes.size == 0:
        return result
    # float64 bincount is exact while every partial sum stays below 2**53; that holds when
    # max|value| * N does, which is checked per column (else an integer reduce is used).
    exact_in_float = np.abs(values).max(axis=0).astype(np.float64) * codes.size < 2.0**53
    for column in np.flatnonzero(exact_in_float).tolist():
        sums = np.bincount(codes, weights=values[:, column], minlength=n_codes)
        result[:, column] = np.rint(sums).astype(np.int64)
    remaining = np.flatnonzero(~exact_in_float)
    if remaining.size:
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        result[np.ix_(sorted_codes[starts], remaining)] = np.add.reduceat(
            values[order][:, remaining], starts, axis=0
        )
    return result
