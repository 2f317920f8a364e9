"""Exact integer sums behind the shard statistics (fast float path and integer fallback)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.report.stats import canonical_table, factorize_keys, sum_by_code, to_fixed


@settings(max_examples=40, deadline=None)
@given(
    n_codes=st.integers(1, 6),
    rows=st.lists(
        st.tuples(st.integers(0, 5), st.integers(-(2**62) // 64, 2**62 // 64)), max_size=40
    ),
)
def test_sum_by_code_equals_python_integer_sums(n_codes: int, rows: list[tuple[int, int]]) -> None:
    codes = np.array([c % n_codes for c, _ in rows], dtype=np.int64)
    big = np.array([v for _, v in rows], dtype=np.int64)
    small = big % 1000  # stays on the float64 fast path
    result = sum_by_code(codes, np.column_stack([small, big]).reshape(-1, 2), n_codes)
    for code in range(n_codes):
        members = [i for i, c in enumerate(codes.tolist()) if c == code]
        assert result[code, 0] == sum(int(small[i]) for i in members)
        assert result[code, 1] == sum(int(big[i]) for i in members)


def test_fixed_point_rounds_to_the_grid() -> None:
    assert to_fixed(np.array([0.5, 1.0, -0.25])).tolist() == [2**23, 2**24, -(2**22)]


def test_factorize_keys_sorted_and_canonical_table() -> None:
    keys = {"kind": np.array(["b", "a", "b"], dtype=object), "entity": np.array([2, 9, 1])}
    codes, table = factorize_keys(keys, sort=True)
    assert table.to_dict("list") == {"kind": ["a", "b", "b"], "entity": [9, 1, 2]}
    assert codes.tolist() == [2, 0, 1]
    raw = pd.DataFrame({"kind": ["b", "a", "b", "a"], "entity": [1, 9, 1, 9], "tp": [1, 2, 3, 4]})
    canonical = canonical_table("scores", raw)
    assert canonical.to_dict("list") == {"kind": ["a", "b"], "entity": [9, 1], "tp": [6, 4]}
