"""Declarative escalation rules: validation with error paths, vectorized evaluation, dry runs."""

from labelqc.rules.engine import (
    ACTIONS,
    FACTS,
    MAX_PRIORITY,
    MAX_QUEUE_NAME,
    MAX_SLA_HOURS,
    MIN_PRIORITY,
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
    "MAX_PRIORITY",
    "MAX_QUEUE_NAME",
    "MAX_SLA_HOURS",
    "MIN_PRIORITY",
    "OPERATORS",
    "Decision",
    "RuleError",
    "decide",
    "evaluate",
    "facts_used",
    "item_disagreement",
    "validate_rule",
]
