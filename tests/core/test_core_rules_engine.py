"""Escalation rules: validation names the path; evaluation is vectorized and missing-safe."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from labelqc.rules import (
    RuleError,
    decide,
    evaluate,
    facts_used,
    item_disagreement,
    validate_rule,
)

ROOT = Path(__file__).resolve().parents[2]
FACTS = pd.DataFrame(
    {
        "prelabel_uncertainty": [0.9, 0.1, np.nan],
        "annotator_gold_score": [0.9, 0.5, 0.7],
        "classes": [["car"], ["cyclist", "car"], []],
        "scene_tags": [["night"], [], ["night", "rain"]],
    }
)


def rule(when, then=None):
    return {"when": when, "then": then or [{"action": "route", "queue": "senior"}]}


def test_errors_name_the_path():
    with pytest.raises(RuleError) as caught:
        validate_rule(
            rule(
                {
                    "all": [
                        {"fact": "n_objects", "op": ">", "value": 3},
                        {"any": [{"fact": "classes", "op": ">", "value": ["x"]}]},
                    ]
                },
                [{"action": "set_sla", "hours": -1}],
            )
        )
    assert set(caught.value.errors) == {"when.all[1].any[0].op", "then[0].hours"}


def test_objects_where_names_belong_are_errors_not_crashes():
    with pytest.raises(RuleError) as caught:
        validate_rule(
            rule(
                {"all": [{"fact": {}, "op": ">", "value": 1}, {"fact": "n_objects", "op": []}]},
                [{"action": {}, "hours": 1}],
            )
        )
    assert set(caught.value.errors) == {"when.all[0].fact", "when.all[1].op", "then[0].action"}


def test_missing_values_never_match_a_comparison():
    matches = evaluate(
        [
            rule({"fact": "prelabel_uncertainty", "op": ">=", "value": 0.5}),
            rule({"not": {"fact": "prelabel_uncertainty", "op": ">=", "value": 0.5}}),
        ],
        FACTS,
    )
    assert matches[0].tolist() == [True, False, False]
    assert matches[1].tolist() == [False, True, True]


def test_list_operators_and_decisions():
    rules = [
        rule(
            {"fact": "classes", "op": "intersects", "value": ["cyclist"]},
            [{"action": "route", "queue": "domain_expert"}, {"action": "set_priority", "value": 3}],
        ),
        rule(
            {"fact": "scene_tags", "op": "contains", "value": ["night", "rain"]},
            [{"action": "set_sla", "hours": 2}, {"action": "route", "queue": "senior"}],
        ),
        rule(
            {"fact": "annotator_gold_score", "op": "<", "value": 0.8},
            [{"action": "set_sla", "hours": 8}],
        ),
    ]
    decisions = decide(rules, FACTS)
    assert [d.queue for d in decisions] == [None, "domain_expert", "senior"]
    assert [d.priority for d in decisions] == [None, 3, None]
    assert [d.sla_hours for d in decisions] == [None, 8, 2]


def test_item_disagreement_is_zero_for_identical_work_and_one_for_disjoint():
    boxes = np.array([[0, 0, 10, 10], [20, 20, 5, 5]])
    assert item_disagreement({1: boxes, 2: boxes}) == pytest.approx(0.0)
    assert item_disagreement({1: boxes, 2: boxes + 100}) == pytest.approx(1.0)
    assert item_disagreement({1: boxes}) is None


def test_the_shipped_example_rules_are_valid():
    examples = yaml.safe_load((ROOT / "configs" / "escalation_rules.yaml").read_text())
    assert len(examples["rules"]) >= 3
    for example in examples["rules"]:
        validate_rule(example["definition"])


def test_facts_used_walks_every_group():
    rules = [
        {
            "when": {
                "all": [
                    {"fact": "n_objects", "op": ">", "value": 3},
                    {
                        "any": [
                            {
                                "not": {
                                    "fact": "annotator_draft_pass_through",
                                    "op": "<",
                                    "value": 0.3,
                                }
                            }
                        ]
                    },
                ]
            },
            "then": [],
        },
        {"when": {"fact": "classes", "op": "contains", "value": ["car"]}, "then": []},
    ]

    assert facts_used(rules) == {"n_objects", "annotator_draft_pass_through", "classes"}
    assert facts_used([]) == set()
