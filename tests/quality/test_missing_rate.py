"""Missing-annotation rate by scene density."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.quality import DEFAULT_DENSITY_BUCKETS, compare_to_gold, missing_rate_by_density


@pytest.fixture
def comparison(gold, annotations, assignments):
    return compare_to_gold(
        gold, annotations, class_aware=False, assignments=assignments, gold_items=[3]
    )


def test_default_buckets(comparison) -> None:
    result = missing_rate_by_density(comparison)
    assert result["density_bucket"].tolist() == ["1-2", "3-5", "6-10", "11-20", "21+"]
    first = result.iloc[0]
    # Submissions (1,7): 2 instances, 0 missed; (2,8): 1, 0; (2,9): 1, 1.  Item 3 has no gold.
    assert (first["n_items"], first["n_instances"], first["n_missed"]) == (2, 4, 1)
    assert first["missing_rate"] == pytest.approx(0.25)
    assert result["missing_rate"].iloc[1:].isna().all()
    assert result["n_instances"].iloc[1:].tolist() == [0, 0, 0, 0]


def test_custom_buckets_by_annotator(comparison) -> None:
    result = missing_rate_by_density(comparison, buckets=((1, 1), (2, None)), by="annotator_id")
    table = result.set_index(["annotator_id", "density_bucket"])
    assert table.loc[(9, "1"), "missing_rate"] == 1.0
    assert table.loc[(8, "1"), "missing_rate"] == 0.0
    assert table.loc[(7, "2+"), "n_instances"] == 2
    assert len(result) == 3


def test_rate_matches_a_direct_count_on_random_data() -> None:
    rng = np.random.default_rng(8)
    per_item = rng.integers(1, 25, 80)
    n = int(per_item.sum())
    gold = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(80), per_item),
            "class_id": 0,
            "x": rng.uniform(0, 1000, n),
            "y": rng.uniform(0, 1000, n),
            "w": 20.0,
            "h": 20.0,
        }
    )
    # Far-apart tiny boxes: an annotation either copies a gold box or is missing.
    drawn = gold[rng.random(n) < 0.7].assign(annotator_id=1)
    result = missing_rate_by_density(compare_to_gold(gold, drawn, class_aware=False))
    density = gold.groupby("item_id").size()
    drawn_items = set(drawn["item_id"])
    for (low, high), row in zip(DEFAULT_DENSITY_BUCKETS, result.itertuples(), strict=True):
        in_bucket = density[(density >= low) & (density <= (high or 10**9))].index
        graded = [i for i in in_bucket if i in drawn_items]
        instances = int(density[graded].sum())
        missed = instances - int(drawn["item_id"].isin(graded).sum())
        assert (row.n_instances, row.n_missed) == (instances, missed)


@pytest.mark.parametrize(
    ("buckets", "message"),
    [
        ((), "at least one"),
        (((3, 1),), "low <= high"),
        (((1, 3), (3, 5)), "overlaps"),
        (((1, None), (3, 5)), "open-ended"),
        (((0, 2),), "low <= high"),
    ],
)
def test_bad_buckets_raise(comparison, buckets, message) -> None:
    with pytest.raises(ValueError, match=message):
        missing_rate_by_density(comparison, buckets=buckets)


def test_class_is_not_a_density_dimension(comparison) -> None:
    with pytest.raises(ValueError, match="unknown dimension 'class_id'"):
        missing_rate_by_density(comparison, by="class_id")
