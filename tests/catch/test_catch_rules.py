"""Decision rules: frozen, validated with messages naming the field, JSON-ready."""

from __future__ import annotations

import dataclasses
import json

import pytest

from labelqc.catch import (
    CatchRuleError,
    CatchRules,
    ClassAmbiguityRule,
    ConfusionRule,
    DriftRule,
    GoldAccuracyRule,
    IaaRule,
    MissingRule,
    SizeBiasRule,
)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: GoldAccuracyRule(target=1.2), "gold_accuracy.target"),
        (lambda: GoldAccuracyRule(h=0), "gold_accuracy.h"),
        (lambda: SizeBiasRule(band=-0.1), "size_bias.band"),
        (lambda: SizeBiasRule(window_gold_items=0), "size_bias.window_gold_items"),
        (lambda: ConfusionRule(bound=0.0), "class_confusion.bound"),
        (lambda: ConfusionRule(min_matches=2.5), "class_confusion.min_matches"),
        (lambda: MissingRule(small_recall_bound=1.0), "missing.small_recall_bound"),
        (lambda: IaaRule(margin=1.5), "iaa.margin"),
        (lambda: IaaRule(iou_threshold=0.0), "iaa.iou_threshold"),
        (lambda: IaaRule(min_partner_comparisons=0), "iaa.min_partner_comparisons"),
        (lambda: ConfusionRule(min_team_matches=0), "class_confusion.min_team_matches"),
        (lambda: DriftRule(lam=0.0), "drift.lam"),
        (lambda: DriftRule(baseline_windows=True), "drift.baseline_windows"),
        (lambda: ClassAmbiguityRule(floor=1.0), "ambiguous_class.floor"),
        (lambda: CatchRules(check_every_items=0), "check_every_items"),
        (lambda: CatchRules(gold_iou_threshold=1.5), "gold_iou_threshold"),
    ],
)
def test_bad_threshold_raises_naming_the_field(build, field: str) -> None:
    with pytest.raises(CatchRuleError, match=f"^{field}:"):
        build()


def test_rules_are_frozen_and_a_value_error() -> None:
    rules = CatchRules()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.check_every_items = 5  # type: ignore[misc]
    assert issubclass(CatchRuleError, ValueError)


def test_to_dict_is_json_ready_and_rebuilds_the_rules() -> None:
    rules = dataclasses.replace(CatchRules(), size_bias=SizeBiasRule(band=0.2))
    data = json.loads(json.dumps(rules.to_dict()))
    assert data["size_bias"]["band"] == 0.2
    rebuilt = CatchRules(
        **{
            name: (type(getattr(rules, name))(**value) if isinstance(value, dict) else value)
            for name, value in data.items()
        }
    )
    assert rebuilt == rules
