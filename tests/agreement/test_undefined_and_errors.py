"""Undefined coefficients raise UndefinedAgreement (or give None + reason); bad input raises."""

import numpy as np
import pandas as pd
import pytest

from labelqc.agreement import (
    UndefinedAgreement,
    alpha_from_coincidences,
    cohen_kappa,
    cohen_kappa_result,
    dawid_skene,
    fleiss_kappa,
    fleiss_kappa_result,
    krippendorff_alpha,
    krippendorff_alpha_result,
)


def test_undefined_agreement_is_a_value_error_with_reason() -> None:
    with pytest.raises(ValueError, match="single category") as caught:
        cohen_kappa([1, 1, 1], [1, 1, 1])
    assert isinstance(caught.value, UndefinedAgreement)
    assert "single category" in caught.value.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (np.array([[1.0, 2.0, 3.0]]), "pairable"),  # one coder
        (np.array([[1.0, np.nan], [np.nan, 2.0]]), "pairable"),  # no unit with two values
        (np.array([[2.0, 2.0], [2.0, 2.0]]), "expected disagreement is zero"),
    ],
)
def test_alpha_undefined(data: np.ndarray, reason: str) -> None:
    for level in ("nominal", "ordinal", "interval", "ratio"):
        with pytest.raises(UndefinedAgreement, match=reason):
            krippendorff_alpha(data, level)
        result = krippendorff_alpha_result(data, level, n_boot=20)
        assert result.value is None
        assert reason in result.reason
        assert result.ci_low is None and result.ci_high is None


def test_kappa_undefined_cases() -> None:
    with pytest.raises(UndefinedAgreement, match="no item"):
        cohen_kappa([None, 1], [2, None])
    with pytest.raises(UndefinedAgreement, match="fewer than two"):
        fleiss_kappa([[1, 0], [0, 1]])
    with pytest.raises(UndefinedAgreement, match="single category"):
        fleiss_kappa([[3, 0], [3, 0]])
    with pytest.raises(UndefinedAgreement, match="no subjects"):
        fleiss_kappa(np.zeros((0, 3)))
    assert cohen_kappa_result([None], [None]).reason is not None
    result = fleiss_kappa_result([[1, 0], [0, 1]])
    assert result.value is None and "fewer than two" in result.reason


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cohen_kappa([1, 2], [1]), "same length"),
        (lambda: cohen_kappa([1, 2], [1, 2], "cubic"), "weights"),
        (lambda: fleiss_kappa([[1, 2], [3, 1]]), "row 1"),
        (lambda: fleiss_kappa([[1.5, 1.5]]), "integers"),
        (lambda: fleiss_kappa([1, 2, 3]), "2-D"),
        (lambda: krippendorff_alpha([1, 2, 3]), "2-D"),
        (lambda: krippendorff_alpha([[1, 2]], "fancy"), "level"),
        (lambda: krippendorff_alpha([[1, np.inf], [1, 2]]), "infinite"),
        (lambda: krippendorff_alpha([[1, 2], [1, 9]], value_domain=[1, 2]), "not in value_domain"),
        (lambda: krippendorff_alpha([["a", "b"], ["a", "a"]], "interval"), "numeric"),
        (lambda: alpha_from_coincidences(np.array([[0, 1], [2, 0]]), [0, 1]), "symmetric"),
        (lambda: alpha_from_coincidences(np.eye(2), [0, 1, 2]), "length"),
        (lambda: alpha_from_coincidences(np.eye(2)), "values is required"),
        (lambda: krippendorff_alpha_result([[1, 2], [1, 2]], n_boot=-1), "n_boot"),
        (lambda: krippendorff_alpha_result([[1, 2], [1, 2]], confidence=1.5), "confidence"),
        (lambda: dawid_skene(pd.DataFrame({"task": [1], "worker": [1]})), "label"),
        (lambda: dawid_skene(pd.DataFrame({"task": [1], "worker": [1], "label": [None]})), "row 0"),
    ],
)
def test_bad_input_raises_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
