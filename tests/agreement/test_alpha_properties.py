"""Properties of Krippendorff's alpha (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from labelqc.agreement import UndefinedAgreement, krippendorff_alpha

LEVELS = ["nominal", "ordinal", "interval", "ratio"]

unit_values = arrays(
    np.float64,
    st.integers(min_value=2, max_value=40),
    elements=st.integers(min_value=0, max_value=6).map(float),
)


@settings(max_examples=60, deadline=None)
@given(
    values=unit_values, coders=st.integers(min_value=2, max_value=6), level=st.sampled_from(LEVELS)
)
def test_identical_coders_give_one(values: np.ndarray, coders: int, level: str) -> None:
    data = np.tile(values, (coders, 1))
    if np.unique(values).size < 2:
        with pytest.raises(UndefinedAgreement):
            krippendorff_alpha(data, level)
        return
    assert krippendorff_alpha(data, level) == pytest.approx(1.0, abs=1e-12)


reliability = st.integers(min_value=2, max_value=5).flatmap(
    lambda coders: arrays(
        np.float64,
        st.tuples(st.just(coders), st.integers(min_value=2, max_value=30)),
        elements=st.one_of(st.integers(min_value=1, max_value=5).map(float), st.just(np.nan)),
    )
)


@settings(max_examples=60, deadline=None)
@given(data=reliability, level=st.sampled_from(LEVELS), seed=st.integers(0, 2**16))
def test_coder_and_unit_permutation_invariance(data: np.ndarray, level: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    permuted = data[rng.permutation(data.shape[0])][:, rng.permutation(data.shape[1])]
    try:
        expected = krippendorff_alpha(data, level)
    except UndefinedAgreement:
        with pytest.raises(UndefinedAgreement):
            krippendorff_alpha(permuted, level)
        return
    assert krippendorff_alpha(permuted, level) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(data=reliability, level=st.sampled_from(["nominal", "ordinal", "interval"]))
def test_alpha_never_exceeds_one(data: np.ndarray, level: str) -> None:
    try:
        value = krippendorff_alpha(data, level)
    except UndefinedAgreement:
        return
    assert value <= 1.0 + 1e-12
