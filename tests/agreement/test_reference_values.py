"""Published agreement values (fixture copied with sources into reference_values.json)."""

import json
from pathlib import Path

import numpy as np
import pytest

from labelqc.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha

REFERENCE = json.loads((Path(__file__).parent / "reference_values.json").read_text())


def _expand(runs: list[list[int]]) -> list[int]:
    return [label for label, repeat in runs for _ in range(repeat)]


def test_fleiss_kappa_matches_wikipedia_example() -> None:
    case = REFERENCE["fleiss_kappa_wikipedia"]
    assert fleiss_kappa(case["counts_subjects_by_categories"]) == pytest.approx(
        case["kappa"], abs=1e-12
    )
    assert round(fleiss_kappa(case["counts_subjects_by_categories"]), 4) == 0.2099


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_example(level: str) -> None:
    case = REFERENCE["krippendorff_2011"]
    data = np.array(case["reliability_data_coders_by_units"], dtype=float)  # None -> nan
    assert krippendorff_alpha(data, level) == pytest.approx(case["alpha"][level], abs=1e-12)


def test_krippendorff_2011_published_three_decimals() -> None:
    data = np.array(REFERENCE["krippendorff_2011"]["reliability_data_coders_by_units"], dtype=float)
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    for level, value in published.items():
        assert round(krippendorff_alpha(data, level), 3) == value


def test_krippendorff_default_level_is_nominal() -> None:
    data = np.array(REFERENCE["krippendorff_2011"]["reliability_data_coders_by_units"], dtype=float)
    assert krippendorff_alpha(data) == krippendorff_alpha(data, "nominal")


@pytest.mark.parametrize(
    "case", REFERENCE["cohen_kappa_artstein_poesio"]["cases"], ids=lambda c: str(c["kappa"])
)
def test_cohen_kappa_artstein_poesio(case: dict) -> None:
    first, second = _expand(case["y1_runs"]), _expand(case["y2_runs"])
    assert cohen_kappa(first, second, case["weights"]) == pytest.approx(case["kappa"], abs=5e-4)
