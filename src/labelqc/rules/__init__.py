"""Declarative escalation rules: validation with error paths, vectorized evaluation, dry runs."""

from labelqc.rules.engine import (
    ACTIONS,
    FACTS,
    OPERATORS,
    Decision,
    RuleError,
    decide,
    evaluate,
    facts_used,
    validate_rule,
)
from labelqc.rules.facts import item_disagreement

__all__ = [
    "ACTIONS",
    "FACTS",
    "OPERATORS",
    "Decision",
    "RuleError",
    "decide",
    "evaluate",
    "facts_used",
    "item_disagreement",
    "validate_rule",
]
