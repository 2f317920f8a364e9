"""PSI against a direct computation, its symmetry, flooring and the band helper."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.drift import PsiInputError, psi, psi_band


def test_direct_computation_from_counts() -> None:
    expected = [50, 30, 20]
    actual = [40, 30, 30]
    e = [0.5, 0.3, 0.2]
    a = [0.4, 0.3, 0.3]
    direct = sum((ai - ei) * math.log(ai / ei) for ai, ei in zip(a, e, strict=True))
    assert psi(expected, actual) == pytest.approx(direct)
    assert psi(e, a) == pytest.approx(direct)  # proportions give the same value


def test_empty_bins_are_floored() -> None:
    value = psi([1, 1, 0], [1, 1, 1])
    e = [0.5, 0.5, 1e-4]
    a = [1 / 3, 1 / 3, 1 / 3]
    direct = sum((ai - ei) * math.log(ai / ei) for ai, ei in zip(a, e, strict=True))
    assert value == pytest.approx(direct)
    assert math.isfinite(value)


def test_mappings_align_on_union_of_keys() -> None:
    assert psi({1: 10, 2: 10}, {2: 10, 1: 10}) == 0.0
    assert psi({1: 10, 2: 10}, {1: 10, 2: 10, 3: 0}) == pytest.approx(0.0)
    assert psi({1: 5, 2: 5}, {1: 5, 3: 5}) == pytest.approx(psi([5, 5, 0], [5, 0, 5]))


counts = st.lists(st.integers(1, 1000), min_size=2, max_size=12)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), expected=counts)
def test_symmetric_without_empty_bins_and_nonnegative(
    data: st.DataObject, expected: list[int]
) -> None:
    actual = data.draw(
        st.lists(st.integers(1, 1000), min_size=len(expected), max_size=len(expected))
    )
    forward = psi(expected, actual)
    assert forward >= 0
    assert forward == pytest.approx(psi(actual, expected), rel=1e-12, abs=1e-15)
    assert psi(expected, expected) == 0.0
    # PSI is the symmetrized KL divergence: KL(a||e) + KL(e||a).
    e = np.asarray(expected) / sum(expected)
    a = np.asarray(actual) / sum(actual)
    assert forward == pytest.approx(float(np.sum(a * np.log(a / e)) + np.sum(e * np.log(e / a))))


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0.0, "stable"),
        (0.0999, "stable"),
        (0.1, "moderate"),
        (0.2499, "moderate"),
        (0.25, "significant"),
        (3.0, "significant"),
    ],
)
def test_bands(value: float, band: str) -> None:
    assert psi_band(value) == band


def test_bad_input() -> None:
    with pytest.raises(PsiInputError, match="expected"):
        psi([0, 0], [1, 1])
    with pytest.raises(PsiInputError, match="shapes"):
        psi([1, 2], [1, 2, 3])
    with pytest.raises(PsiInputError, match="mappings"):
        psi({1: 1}, [1])
    with pytest.raises(PsiInputError):
        psi_band(float("nan"))
