"""validate_rule bounds every action argument (so applying a rule cannot overflow) and names the
definition itself with the empty path; decide hands out integer priorities."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from labelqc.rules import (
    MAX_PRIORITY,
    MAX_SLA_HOURS,
    MIN_PRIORITY,
    RuleError,
    decide,
    validate_rule,
)

WHEN = {"fact": "n_objects", "op": ">", "value": 0}


def errors_of(rule) -> dict[str, str]:
    with pytest.raises(RuleError) as caught:
        validate_rule(rule)
    return caught.value.errors


@pytest.mark.parametrize(
    ("action", "error"),
    [
        ({"action": "set_priority", "value": 1e300}, {"then[0].value": "must be from"}),
        ({"action": "set_priority", "value": MAX_PRIORITY + 1}, {"then[0].value": "must be from"}),
        ({"action": "set_priority", "value": MIN_PRIORITY - 1}, {"then[0].value": "must be from"}),
        ({"action": "set_priority", "value": 2.5}, {"then[0].value": "must be an integer"}),
        ({"action": "set_priority", "value": math.inf}, {"then[0].value": "must be a finite"}),
        ({"action": "set_priority", "value": math.nan}, {"then[0].value": "must be a finite"}),
        ({"action": "set_sla", "hours": 1e300}, {"then[0].hours": "must be at most 8760"}),
        ({"action": "set_sla", "hours": math.inf}, {"then[0].hours": "must be a finite"}),
        ({"action": "set_sla", "hours": 0}, {"then[0].hours": "must be > 0"}),
        ({"action": "set_sla"}, {"then[0].hours": "is required"}),
        ({"action": "route", "queue": " "}, {"then[0].queue": "must be a queue name"}),
    ],
)
def test_out_of_range_arguments_name_their_path(action, error):
    errors = errors_of({"when": WHEN, "then": [action]})
    assert set(errors) == set(error)
    for path, start in error.items():
        assert errors[path].startswith(start), errors


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_condition_value_must_be_finite(value):
    errors = errors_of(
        {"when": {**WHEN, "value": value}, "then": [{"action": "route", "queue": "q"}]}
    )
    assert errors == {"when.value": "must be a finite number"}


def test_the_bounds_themselves_are_valid():
    validate_rule(
        {
            "when": WHEN,
            "then": [
                {"action": "set_priority", "value": MAX_PRIORITY},
                {"action": "set_priority", "value": MIN_PRIORITY},
                {"action": "set_sla", "hours": MAX_SLA_HOURS},
            ],
        }
    )
    assert MAX_SLA_HOURS == 24 * 365


def test_a_non_object_is_reported_at_the_empty_path():
    error = errors_of(["not", "an", "object"])
    assert error == {"": "must be an object with when and then"}
    with pytest.raises(RuleError) as caught:
        validate_rule(None)
    assert str(caught.value) == "must be an object with when and then"


def test_an_integral_float_priority_is_decided_as_an_int():
    rules = [
        {"when": WHEN, "then": [{"action": "set_priority", "value": 3.0}]},
        {"when": WHEN, "then": [{"action": "set_priority", "value": 2}]},
    ]
    validate_rule(rules[0])
    decision = decide(rules, pd.DataFrame({"n_objects": [1.0]}))[0]
    assert decision.priority == 3 and type(decision.priority) is int
