"""Escalation rules over item facts.

A rule is JSON (or YAML) of the form::

    {"when": {"all": [{"fact": "prelabel_uncertainty", "op": ">=", "value": 0.4},
                      {"any": [{"fact": "classes", "op": "intersects", "value": ["cyclist"]},
                               {"not": {"fact": "annotator_gold_score", "op": ">=", "value": 0.8}}]}]},
     "then": [{"action": "route", "queue": "senior_review"},
              {"action": "set_priority", "value": 10},
              {"action": "set_sla", "hours": 4}]}

Facts are columns of a DataFrame with one row per item (see FACTS); a missing value (None/NaN)
never satisfies a comparison. Rules apply in order: the first matching rule that routes decides
the queue, priority is the highest any matching rule sets, the SLA the shortest.

Action arguments are bounded so applying a rule cannot fail: a queue name is 1-64 characters,
a priority an integer in [MIN_PRIORITY, MAX_PRIORITY], SLA hours in (0, MAX_SLA_HOURS].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

NUMBER = "number"
TEXT_LIST = "text_list"
FACTS: dict[str, str] = {
    "prelabel_uncertainty": NUMBER,  # 0..1, highest pre-label uncertainty on the item
    "iaa_disagreement": NUMBER,  # 0..1, 1 - mean pairwise matched IoU between annotators
    "annotator_gold_score": NUMBER,  # 0..1, submitting annotator's mean gold accuracy
    # 0..1, share of the wrong drafts on gold items the submitting annotator kept as they were
    "annotator_draft_pass_through": NUMBER,
    "min_object_area": NUMBER,  # pixels, smallest shape on the item
    "n_objects": NUMBER,
    "rework_cycles": NUMBER,
    "classes": TEXT_LIST,  # class names on the item
    "scene_tags": TEXT_LIST,
}
NUMERIC_OPS = ("<", "<=", ">", ">=", "==", "!=")
LIST_OPS = ("intersects", "contains", "not_intersects")
OPERATORS = NUMERIC_OPS + LIST_OPS
ACTIONS = {"route": ("queue",), "set_priority": ("value",), "set_sla": ("hours",)}
# Bounds of the action arguments. A priority lands in integer columns (Item.priority,
# Assignment.priority, Review.priority) and shares the range the items API allows; an SLA
# becomes a due date (a timedelta) and is capped at a year, as queue SLAs are.
MAX_QUEUE_NAME = 64
MIN_PRIORITY, MAX_PRIORITY = -1_000_000, 1_000_000
MAX_SLA_HOURS = 24 * 365


class RuleError(ValueError):
    """Invalid rule; `errors` maps a path such as "when.all[1].op" to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(
            "; ".join(f"{path}: {message}" if path else message for path, message in errors.items())
        )


def _validate_condition(node: Any, path: str, errors: dict[str, str]) -> None:
    if not isinstance(node, Mapping):
        errors[path] = "must be an object with all / any / not, or fact / op / value"
        return
    groups = [key for key in ("all", "any", "not") if key in node]
    if groups:
        extra = set(node) - {groups[0]}
        if len(groups) > 1 or extra:
            errors[path] = f"a group has exactly one of all / any / not (found {sorted(node)})"
            return
        key = groups[0]
        if key == "not":
            _validate_condition(node["not"], f"{path}.not", errors)
            return
        children = node[key]
        if not isinstance(children, list) or not children:
            errors[f"{path}.{key}"] = "must be a non-empty list of conditions"
            return
        for index, child in enumerate(children):
            _validate_condition(child, f"{path}.{key}[{index}]", errors)
        return
    unknown = set(node) - {"fact", "op", "value"}
    if unknown:
        errors[f"{path}.{sorted(unknown)[0]}"] = "unknown field"
        return
    fact, op, value = node.get("fact"), node.get("op"), node.get("value")
    # isinstance first: an object or list (unhashable) would make the lookup raise TypeError
    if not isinstance(fact, str) or fact not in FACTS:
        errors[f"{path}.fact"] = f"unknown fact {fact!r}; known: {', '.join(FACTS)}"
        return
    kind = FACTS[fact]
    allowed = NUMERIC_OPS if kind == NUMBER else LIST_OPS
    if not isinstance(op, str) or op not in allowed:
        errors[f"{path}.op"] = (
            f"unknown operator {op!r} for {fact}; use one of {', '.join(allowed)}"
        )
        return
    if kind == NUMBER and not _is_number(value):
        errors[f"{path}.value"] = "must be a finite number"
    if kind == TEXT_LIST and (
        not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value)
    ):
        errors[f"{path}.value"] = "must be a non-empty list of strings"


def _is_number(value: Any) -> bool:
    # JSON's 1e400 parses to inf: it cannot be stored (PostgreSQL jsonb) nor compared usefully.
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _action_argument_error(key: str, value: Any) -> str | None:
    """Why `value` is not a valid action argument `key`, or None when it is."""
    if key == "queue":
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_QUEUE_NAME:
            return f"must be a queue name (1-{MAX_QUEUE_NAME} characters)"
        return None
    if not _is_number(value):
        return "must be a finite number"
    if key == "value":
        # 2.5 would be truncated on the integer column; 3.0 is the integer 3 (as DRF takes it).
        if value != int(value):
            return "must be an integer"
        if not MIN_PRIORITY <= value <= MAX_PRIORITY:
            return f"must be from {MIN_PRIORITY} to {MAX_PRIORITY}"
        return None
    if value <= 0:
        return "must be > 0"
    if value > MAX_SLA_HOURS:
        return f"must be at most {MAX_SLA_HOURS} (a year)"
    return None


def validate_rule(rule: Any) -> None:
    """Raise RuleError naming the path of every error in the rule definition.

    Paths are relative to the definition ("when.all[1].op", "then[0].hours"); a definition that
    is not an object at all is reported under the empty path "".
    """
    errors: dict[str, str] = {}
    if not isinstance(rule, Mapping):
        raise RuleError({"": "must be an object with when and then"})
    for key in set(rule) - {"when", "then"}:
        errors[key] = "unknown field"
    if "when" not in rule:
        errors["when"] = "is required"
    else:
        _validate_condition(rule["when"], "when", errors)
    actions = rule.get("then")
    if not isinstance(actions, list) or not actions:
        errors["then"] = "must be a non-empty list of actions"
    else:
        for index, action in enumerate(actions):
            path = f"then[{index}]"
            name = action.get("action") if isinstance(action, Mapping) else None
            if not isinstance(name, str) or name not in ACTIONS:
                errors[f"{path}.action"] = f"must be one of {', '.join(ACTIONS)}"
                continue
            needed = ACTIONS[action["action"]]
            for key in set(action) - {"action", *needed}:
                errors[f"{path}.{key}"] = "unknown field"
            for key in needed:
                if key not in action:
                    errors[f"{path}.{key}"] = "is required"
                elif (problem := _action_argument_error(key, action[key])) is not None:
                    errors[f"{path}.{key}"] = problem
    if errors:
        raise RuleError(errors)


def _list_column(facts: pd.DataFrame, fact: str) -> list[set[str]]:
    if fact not in facts:
        return [set() for _ in range(len(facts))]
    return [
        set(v) if isinstance(v, list | tuple | set | np.ndarray) else set() for v in facts[fact]
    ]


def _condition_mask(node: Mapping[str, Any], facts: pd.DataFrame) -> np.ndarray:
    if "all" in node:
        return np.logical_and.reduce([_condition_mask(c, facts) for c in node["all"]])
    if "any" in node:
        return np.logical_or.reduce([_condition_mask(c, facts) for c in node["any"]])
    if "not" in node:
        return ~_condition_mask(node["not"], facts)
    fact, op, value = node["fact"], node["op"], node["value"]
    if FACTS[fact] == NUMBER:
        column = (
            pd.to_numeric(facts[fact], errors="coerce")
            if fact in facts
            else pd.Series(np.nan, index=facts.index)
        )
        values = column.to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            result = {
                "<": values < value,
                "<=": values <= value,
                ">": values > value,
                ">=": values >= value,
                "==": values == value,
                "!=": values != value,
            }[op]
        return result & ~np.isnan(values)
    wanted = set(value)
    sets = _list_column(facts, fact)
    if op == "intersects":
        return np.array([bool(s & wanted) for s in sets], dtype=bool)
    if op == "not_intersects":
        return np.array([not (s & wanted) for s in sets], dtype=bool)
    return np.array([wanted <= s for s in sets], dtype=bool)


def facts_used(rules: Sequence[Mapping[str, Any]]) -> set[str]:
    """The facts the rules' conditions read (so costly ones are computed only when needed)."""
    used: set[str] = set()
    pending: list[Any] = [rule["when"] for rule in rules]
    while pending:
        node = pending.pop()
        if "fact" in node:
            used.add(node["fact"])
        pending.extend(node.get("all", []) + node.get("any", []))
        if "not" in node:
            pending.append(node["not"])
    return used


def evaluate(rules: Sequence[Mapping[str, Any]], facts: pd.DataFrame) -> np.ndarray:
    """Boolean matrix (n_rules, n_items): which rule matches which item."""
    if not rules:
        return np.zeros((0, len(facts)), dtype=bool)
    return np.vstack([_condition_mask(rule["when"], facts) for rule in rules]).reshape(
        len(rules), len(facts)
    )


@dataclass(frozen=True)
class Decision:
    queue: str | None
    priority: int | None
    sla_hours: float | None
    matched: tuple[int, ...]


def decide(rules: Sequence[Mapping[str, Any]], facts: pd.DataFrame) -> list[Decision]:
    """Per item: the queue of the first matching routing rule, max priority, min SLA hours."""
    matches = evaluate(rules, facts)
    decisions = []
    for column in range(len(facts)):
        matched = tuple(int(i) for i in np.flatnonzero(matches[:, column])) if len(rules) else ()
        queue = priority = hours = None
        for index in matched:
            for action in rules[index]["then"]:
                kind = action["action"]
                if kind == "route" and queue is None:
                    queue = action["queue"]
                elif kind == "set_priority":
                    value = int(action["value"])  # validate_rule admits only integral values
                    priority = value if priority is None else max(priority, value)
                elif kind == "set_sla":
                    hours = action["hours"] if hours is None else min(hours, action["hours"])
        decisions.append(Decision(queue, priority, hours, matched))
    return decisions
