"""Escalation rules in the service: saving (validated, audited), applying on submit, dry runs."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Set as AbstractSet
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from apps.analytics.draft_review import pass_through_rates
from apps.annotations.models import Annotation, Source
from apps.audit.services import audit, audited_change, snapshot
from apps.common.exceptions import ServiceValidationError, unique_or_400
from apps.common.rows import ModelColumns, fetch_all, quote, table
from apps.items.models import Item
from apps.workflow.models import Assignment, EscalationRule, Review, ReviewStatus
from apps.workflow.services.queue import set_item_priorities
from labelqc.rules import (
    FACTS,
    RuleError,
    decide,
    evaluate,
    facts_used,
    item_disagreement,
    validate_rule,
)

logger = logging.getLogger("labelqc.workflow")

DRAFT_PASS_THROUGH = "annotator_draft_pass_through"
FACT_COLUMNS = ("item_id", *FACTS)


def _checked(definition: Any) -> dict[str, Any]:
    try:
        validate_rule(definition)
    except RuleError as exc:
        # The engine's paths are relative to the definition; "" is the definition itself.
        raise ServiceValidationError(
            {
                f"definition.{path}" if path else "definition": [msg]
                for path, msg in exc.errors.items()
            }
        ) from exc
    return definition


NAME_TAKEN = "a rule with this name already exists"


@transaction.atomic
def rule_create(
    *, actor: Any, project_id: int, name: str, definition: Any, enabled: bool = True, order: int = 0
) -> EscalationRule:
    with unique_or_400("name", NAME_TAKEN):
        rule = EscalationRule.objects.create(
            project_id=project_id,
            name=name,
            enabled=enabled,
            order=order,
            definition=_checked(definition),
        )
    audit(
        actor=actor, project_id=project_id, action="rule.create", entity=rule, after=snapshot(rule)
    )
    return rule


@transaction.atomic
def rule_update(*, actor: Any, rule: EscalationRule, data: dict[str, Any]) -> EscalationRule:
    if "definition" in data:
        data["definition"] = _checked(data["definition"])
    with audited_change(actor=actor, action="rule.update", entity=rule):
        for key, value in data.items():
            setattr(rule, key, value)
        with unique_or_400("name", NAME_TAKEN):
            rule.save()
    return rule


@transaction.atomic
def rule_delete(*, actor: Any, rule: EscalationRule) -> None:
    audit(
        actor=actor,
        project_id=rule.project_id,
        action="rule.delete",
        entity=rule,
        before=snapshot(rule),
    )
    rule.delete()


def item_facts(
    item_ids: list[int],
    authors: dict[int, int | None] | None = None,
    needed: AbstractSet[str] = frozenset(),
) -> pd.DataFrame:
    """One row of rule facts per item (authors: the submitting annotator per item, if any)."""
    return submission_facts([(item, (authors or {}).get(item)) for item in item_ids], needed)


def submission_facts(
    submissions: list[tuple[int, int | None]], needed: AbstractSet[str] = frozenset()
) -> pd.DataFrame:
    """One row of rule facts per (item, submitting annotator or None), in the given order.

    The costly facts are computed only when `needed` names them (see labelqc.rules.facts_used).
    """
    item_ids = sorted({item for item, _ in submissions})
    per_item = _item_rows(item_ids)
    author_ids = {author for _, author in submissions if author is not None}
    gold_scores = dict(
        Assignment.objects.filter(
            annotator_id__in=author_ids, is_gold=True, gold_accuracy__isnull=False
        )
        .values("annotator_id")
        .annotate(score=Avg("gold_accuracy"))
        .values_list("annotator_id", "score")
    )
    pass_through = (
        _pass_through(item_ids, author_ids) if DRAFT_PASS_THROUGH in needed and author_ids else {}
    )
    return pd.DataFrame(
        [
            {
                **per_item[item],
                "annotator_gold_score": gold_scores.get(author, np.nan) if author else np.nan,
                DRAFT_PASS_THROUGH: pass_through.get(author, np.nan) if author else np.nan,
            }
            for item, author in submissions
        ],
        columns=[*FACT_COLUMNS],
    )


def _item_rows(item_ids: list[int]) -> dict[int, dict[str, Any]]:
    annotations = pd.DataFrame.from_records(
        Annotation.objects.filter(item_id__in=item_ids).values(
            "item_id",
            "author_id",
            "source",
            "label_class__name",
            "x",
            "y",
            "w",
            "h",
            "area",
            "attributes",
        )
    )
    items = {
        pk: (tags, pk)
        for pk, tags in Item.objects.filter(pk__in=item_ids).values_list("pk", "scene_tags")
    }
    rework = dict(
        Assignment.objects.filter(item_id__in=item_ids)
        .values_list("item_id", "rework_cycles")
        .order_by("rework_cycles")
    )
    rows = {}
    grouped = dict(tuple(annotations.groupby("item_id"))) if len(annotations) else {}
    for item_id in item_ids:
        frame = grouped.get(
            item_id, pd.DataFrame(columns=["source", "author_id", "x", "area", "attributes"])
        )
        human = frame[frame["source"] == Source.HUMAN]
        prelabel = frame[frame["source"] == Source.PRELABEL]
        uncertainty = [a.get("uncertainty") for a in prelabel["attributes"] if isinstance(a, dict)]
        uncertainty = [u for u in uncertainty if isinstance(u, int | float)]
        shapes = human[human["x"].notna()]
        boxes = (
            {
                int(author): group[["x", "y", "w", "h"]].to_numpy(dtype=np.float64)
                for author, group in shapes.groupby("author_id")
            }
            if len(shapes)
            else {}
        )
        rows[item_id] = {
            "item_id": item_id,
            "prelabel_uncertainty": max(uncertainty) if uncertainty else np.nan,
            "iaa_disagreement": item_disagreement(boxes) if len(boxes) >= 2 else np.nan,
            "min_object_area": float(shapes["area"].min()) if len(shapes) else np.nan,
            "n_objects": float(len(shapes)),
            "rework_cycles": float(rework.get(item_id, 0)),
            "classes": sorted(set(human["label_class__name"])) if len(human) else [],
            "scene_tags": list(items.get(item_id, ([], None))[0] or []),
        }
    return rows


def _pass_through(item_ids: list[int], author_ids: set[int]) -> dict[int, float]:
    project_ids = set(Item.objects.filter(pk__in=item_ids).values_list("project_id", flat=True))
    rates: dict[int, float] = {}
    for project_id in project_ids:
        rates |= pass_through_rates(project_id=project_id, annotator_ids=author_ids)
    return rates


RULE = ModelColumns(EscalationRule, "r")


def _enabled_rules(project_id: int) -> list[EscalationRule]:
    # Read on every submit that goes to review: one plain SELECT, no ORM compile.
    sql = (
        f"SELECT {RULE.sql} FROM {table(EscalationRule)} r"
        f" WHERE r.project_id = %s AND r.enabled ORDER BY r.{quote('order')}, r.id"
    )
    return [row[0] for row in fetch_all(sql, [project_id], RULE)]


def _applicable(rules: list[EscalationRule]) -> list[EscalationRule]:
    """The rules whose stored definition is valid today. One saved before a check existed (or
    written around the service) is skipped with a warning: the annotator's submit must not fail
    for it; the rules dashboard lists it with its errors."""
    valid = []
    for rule in rules:
        try:
            validate_rule(rule.definition)
        except RuleError as exc:
            logger.warning(
                "escalation rule %s (%r, project %s) skipped: invalid definition: %s",
                rule.pk,
                rule.name,
                rule.project_id,
                exc,
            )
            continue
        valid.append(rule)
    return valid


def apply_rules_on_submit(review: Review) -> None:
    rules = _applicable(_enabled_rules(review.project_id))
    if not rules:
        return
    assignment = review.assignment
    definitions = [r.definition for r in rules]
    facts = item_facts(
        [assignment.item_id],
        {assignment.item_id: assignment.annotator_id},
        facts_used(definitions),
    )
    decision = decide(definitions, facts)[0]
    if not decision.matched:
        return
    if decision.queue:
        review.queue = decision.queue
    if decision.priority is not None:
        review.priority = decision.priority
        set_item_priorities(priorities={assignment.item_id: decision.priority})
    if decision.sla_hours is not None:
        review.due_at = timezone.now() + timedelta(hours=decision.sla_hours)
    review.reason = "escalated by rule(s): " + ", ".join(rules[i].name for i in decision.matched)
    review.save()


def dry_run(
    *, project_id: int, days: int, definitions: list[tuple[str, dict]] | None = None
) -> dict[str, Any]:
    """How many submissions (and items) each rule would have matched over the last `days` days.

    Rules decide per submission, since some facts are the submitting annotator's.
    `routed_by_queue` counts the matched submissions per queue; only those the project's review
    sampling sends to review are actually routed."""
    since = timezone.now() - timedelta(days=days)
    submitted = Assignment.objects.filter(
        project_id=project_id, submitted_at__gte=since, is_gold=False
    )
    submissions = sorted(submitted.values_list("item_id", "annotator_id"))
    if definitions is None:
        definitions = [(r.name, r.definition) for r in _enabled_rules(project_id)]
    for _name, definition in definitions:
        _checked(definition)
    rule_defs = [d for _, d in definitions]
    facts = submission_facts(submissions, facts_used(rule_defs))
    matches = np.zeros((len(definitions), 0), dtype=bool)
    routed: dict[str, int] = defaultdict(int)
    if submissions and definitions:
        matches = evaluate(rule_defs, facts)
        for decision in decide(rule_defs, facts):
            if decision.queue:
                routed[decision.queue] += 1
    item_ids = facts["item_id"].to_numpy()
    return {
        "days": days,
        "items_considered": len(set(item_ids.tolist())),
        "submissions_considered": len(submissions),
        "rules": [
            {
                "name": name,
                "matched_items": len(set(item_ids[matches[i]].tolist())) if matches.size else 0,
                "matched_submissions": int(matches[i].sum()) if matches.size else 0,
            }
            for i, (name, _) in enumerate(definitions)
        ],
        "routed_by_queue": dict(routed),
    }


__all__ = [
    "ReviewStatus",
    "apply_rules_on_submit",
    "dry_run",
    "item_facts",
    "rule_create",
    "rule_delete",
    "rule_update",
    "submission_facts",
]
