"""The demo as a program in flight: a detector's drafts under the human work (the simulated
annotators saw them and kept some, one of them nearly all, so the correction effort each
submission made is what it did), the newest submissions still waiting for review, class and queue
SLAs, escalation rules that have already routed some of the open reviews, and a first
active-learning round whose picks lead the annotators' queue.

Everything is written by the services the API uses (audited), except rows the simulator dates in
the past (assignments, reviews), which are bulk-inserted with their simulated times.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from apps.active.services import round_start
from apps.annotations.models import Annotation, Source
from apps.projects.models import Project
from apps.workflow.models import Assignment, Review, ReviewStatus
from apps.workflow.services.escalation import apply_rules_on_submit, rule_create
from apps.workflow.services.sla import class_sla_set, queue_sla_set
from apps.workflow.services.submit import record_correction_effort
from labelqc.active.features import IMAGE_STATS
from labelqc.simulate import SimulatedProgram

# The hybrid (margin among the most uncertain, spread by k-center) over image statistics, with
# the labels of annotators weak on the honeypots down-weighted.
FIRST_ROUND: dict[str, Any] = {
    "strategy": "hybrid",
    "batch_size": 5,
    "down_weight_below_gold": 0.6,
}
# The newest third of the reviewed submissions (at least five) still wait for a reviewer.
OPEN_SHARE, OPEN_MIN = 3, 5
CLASS_SLAS = (0.8, 0.9)  # agreement floors of the first two classes
# The detector was unsure somewhere on the item and the annotators disagree: a senior looks.
UNSURE_AND_DISPUTED = {
    "when": {
        "all": [
            {"fact": "prelabel_uncertainty", "op": ">", "value": 0.6},
            {"fact": "iaa_disagreement", "op": ">", "value": 0.2},
        ]
    },
    "then": [{"action": "route", "queue": "senior_review"}],
}
# Work of an annotator who scores poorly on the honeypots gets a senior look too.
WEAK_ON_GOLD = {
    "when": {"all": [{"fact": "annotator_gold_score", "op": "<", "value": 0.6}]},
    "then": [{"action": "route", "queue": "senior_review"}],
}
# Work of an annotator who keeps most of the wrong drafts on the honeypots gets a senior look.
KEEPS_WRONG_DRAFTS = {
    "when": {"all": [{"fact": "annotator_draft_pass_through", "op": ">", "value": 0.5}]},
    "then": [{"action": "route", "queue": "senior_review"}],
}
RULES = (
    ("unsure draft, annotators disagree", UNSURE_AND_DISPUTED),
    ("weak on the honeypots", WEAK_ON_GOLD),
    ("keeps wrong drafts", KEEPS_WRONG_DRAFTS),
)


def detector_records(
    program: SimulatedProgram,
    items: dict[int, int],
    classes: dict[int, int],
    offset: pd.Timedelta,
) -> list[dict[str, Any]]:
    """The drafts the simulated annotators saw, as pre-label records dated before their work
    (the simulator stamps each an hour before the item's first task)."""
    detector = program.spec.detector
    if detector is None:
        return []
    drafts = program.drafts
    created = (drafts["created_at"] + offset).to_numpy()
    return [
        {
            "item": items[int(row.item_id)],
            "label_class": classes[int(row.class_id)],
            "geometry_type": "box",
            "geometry": {
                "x": float(row.x),
                "y": float(row.y),
                "w": float(row.w),
                "h": float(row.h),
            },
            "source": Source.PRELABEL,
            "model_id": detector.model_id,
            "score": round(float(row.score), 3),
            "attributes": {"uncertainty": round(1.0 - float(row.score), 3), "backend": "detector"},
            "created_at": pd.Timestamp(when).to_pydatetime(),
        }
        for row, when in zip(drafts.itertuples(index=False), created, strict=True)
    ]


def open_review_tasks(program: SimulatedProgram) -> set[int]:
    """Tasks whose last review the demo leaves pending: the newest approved submissions."""
    reviews = program.reviews
    if reviews.empty:
        return set()
    last = reviews.sort_values("cycle").groupby("task_id").tail(1)
    approved = last[last["decision"] == "approve"]
    newest = approved.sort_values(["reviewed_at", "task_id"], ascending=False)
    count = max(OPEN_MIN, len(last) // OPEN_SHARE)
    return {int(task) for task in newest["task_id"].head(count)}


def open_reviews_wait_since_submission(project: Project) -> None:
    pending = Review.objects.filter(project=project, status=ReviewStatus.PENDING)
    for review_id, submitted_at in pending.values_list("pk", "assignment__submitted_at"):
        Review.objects.filter(pk=review_id).update(created_at=submitted_at)


def seed_program_in_flight(project: Project, *, actor: Any) -> None:
    """SLAs and rules, the correction effort of every submission, the rules on open reviews."""
    for label_class, floor in zip(project.classes.order_by("id")[:2], CLASS_SLAS, strict=False):
        class_sla_set(
            actor=actor,
            project_id=project.pk,
            label_class=label_class.pk,
            values={
                "iou_threshold": 0.75,
                "iaa_floor": floor,
                "missing_rate_ceiling": 0.05,
                "turnaround_hours": 24,
                "window_days": 3650,
            },
        )
    queue_sla_set(actor=actor, project_id=project.pk, queue="review", turnaround_hours=4)
    for name, definition in RULES:
        rule_create(actor=actor, project_id=project.pk, name=name, definition=definition)
    finals: dict[tuple[int, int], list[Annotation]] = {}
    for annotation in Annotation.objects.filter(project=project, source=Source.HUMAN):
        finals.setdefault((annotation.item_id, annotation.author_id), []).append(annotation)
    submitted = Assignment.objects.filter(project=project, submitted_at__isnull=False)
    for assignment in submitted.order_by("id"):
        record_correction_effort(
            assignment, project, finals.get((assignment.item_id, assignment.annotator_id), [])
        )
    open_reviews = Review.objects.filter(project=project, status=ReviewStatus.PENDING)
    for review in open_reviews.select_related("assignment").order_by("id"):
        apply_rules_on_submit(review)


def start_first_round(project: Project, *, actor: Any) -> None:
    """An active-learning round (runs on commit): its picks go to the front of the queue."""
    round_start(
        actor=actor,
        project_id=project.pk,
        strategy=FIRST_ROUND["strategy"],
        batch_size=FIRST_ROUND["batch_size"],
        features=IMAGE_STATS,
        seed=0,
        down_weight_below_gold=FIRST_ROUND["down_weight_below_gold"],
        reason="demo: the first active-learning round",
    )
