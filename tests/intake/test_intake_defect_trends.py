"""Defect rates by type per vendor and batch over time; recurring error types stand out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.intake import DEFECT_TYPES, IntakeInputError, defect_trend, recurring_defects


def item_rows(vendor: str, batch: int, day: str, n_items: int, affected: dict[str, int]):
    """n_items sampled items, the first affected[type] of them with one defect of that type."""
    rows = []
    for item in range(n_items):
        counts = {f"n_{name}": int(item < affected.get(name, 0)) for name in DEFECT_TYPES}
        rows.append(
            {
                "vendor": vendor,
                "batch": batch,
                "delivered_at": pd.Timestamp(day, tz="UTC"),
                "item_id": batch * 1000 + item,
                **counts,
                "n_defects": sum(counts.values()),
                "defective": sum(counts.values()) > 0,
            }
        )
    return rows


@pytest.fixture(scope="module")
def deliveries() -> pd.DataFrame:
    rows = []
    # Vendor A keeps missing objects (rising), vendor B had one bad batch of wrong classes.
    for batch, (missing, wrong_class) in enumerate([(4, 0), (5, 0), (6, 1), (8, 0)]):
        rows += item_rows("A", batch, f"2024-03-0{batch + 1}", 40, {
            "missing_object": missing, "wrong_class": wrong_class,
        })  # fmt: skip
    for batch, wrong_class in enumerate([0, 12, 0, 1]):
        rows += item_rows("B", 10 + batch, f"2024-03-0{batch + 1}", 50, {
            "wrong_class": wrong_class,
        })  # fmt: skip
    return pd.DataFrame(rows)


def test_rates_per_vendor_batch_and_type(deliveries: pd.DataFrame) -> None:
    trend = defect_trend(deliveries, period="batch", by="vendor")
    assert list(trend.columns) == [
        "vendor", "batch", "defect_type", "n_items", "n_items_affected", "rate",
    ]  # fmt: skip
    missing_a = trend[(trend["vendor"] == "A") & (trend["defect_type"] == "missing_object")]
    np.testing.assert_allclose(missing_a["rate"], [0.1, 0.125, 0.15, 0.2])
    any_a = trend[(trend["vendor"] == "A") & (trend["defect_type"] == "any")]
    assert any_a["n_items_affected"].tolist() == [4, 5, 6, 8]  # the wrong class sits on item 0
    # Oracle: a direct pandas groupby mean of "has this defect".
    expected = (
        (deliveries["n_wrong_class"] > 0)
        .groupby([deliveries["vendor"], deliveries["batch"]])
        .mean()
    )
    got = trend[trend["defect_type"] == "wrong_class"].set_index(["vendor", "batch"])["rate"]
    pd.testing.assert_series_equal(got, expected, check_names=False)


def test_datetime_periods_are_bucketed(deliveries: pd.DataFrame) -> None:
    trend = defect_trend(deliveries, period="delivered_at", by=["vendor"], freq="W")
    weeks = trend["delivered_at"].unique()
    assert len(weeks) == 2  # 2024-03-01..03 fall in the week of Feb 26, 03-04 in the next
    first_week = trend[
        (trend["vendor"] == "A")
        & (trend["defect_type"] == "missing_object")
        & (trend["delivered_at"] == weeks.min())
    ]
    assert first_week[["n_items", "n_items_affected"]].iloc[0].tolist() == [120, 15]


def test_recurring_types_are_flagged_and_spikes_are_not(deliveries: pd.DataFrame) -> None:
    trend = defect_trend(deliveries, period="batch", by="vendor")
    found = recurring_defects(trend, period="batch", by="vendor", min_rate=0.05, min_periods=3)
    flagged = found[found["recurring"]]
    assert set(zip(flagged["vendor"], flagged["defect_type"], strict=True)) == {
        ("A", "missing_object"),
        ("A", "any"),
    }
    spike = found[(found["vendor"] == "B") & (found["defect_type"] == "wrong_class")].iloc[0]
    assert (spike["periods_at_or_above"], spike["longest_run"]) == (1, 1)
    rising = found[(found["vendor"] == "A") & (found["defect_type"] == "missing_object")].iloc[0]
    assert rising["slope"] == pytest.approx(np.polyfit([0, 1, 2, 3], [0.1, 0.125, 0.15, 0.2], 1)[0])
    assert rising["last_rate"] == pytest.approx(0.2)


def test_single_period_has_no_slope(deliveries: pd.DataFrame) -> None:
    one = deliveries[deliveries["batch"] == 0]
    found = recurring_defects(defect_trend(one, period="batch"), period="batch")
    assert found["slope"].isna().all()
    assert not found["recurring"].any()


def test_bad_trend_inputs_name_the_column(deliveries: pd.DataFrame) -> None:
    with pytest.raises(IntakeInputError, match="vendor_id"):
        defect_trend(deliveries, period="batch", by="vendor_id")
    with pytest.raises(IntakeInputError, match="freq"):
        defect_trend(deliveries, period="batch", freq="W")
    with pytest.raises(IntakeInputError, match="min_periods"):
        recurring_defects(defect_trend(deliveries, period="batch"), period="batch", min_periods=0)
