"""The annotator queue: assignment slots, leases, honeypots.

Pulling is a claim on a slot row. On PostgreSQL the claim is one statement (see claim_pg):
`UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING`, so concurrent
pullers never wait on, or get, the same slot and a pull costs one round trip. On SQLite (one
writer at a time) candidates are read and claimed with a conditional UPDATE (compare-and-set).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from apps.items.models import Item
from apps.projects.models import Annotator, Project, Qualification
from apps.workflow.models import Assignment, AssignmentStatus, SkippedItem
from apps.workflow.services import claim_pg
from apps.workflow.services.qualification import (
    QualificationRequired,
    alert_out_of_gold,
    qualification_state,
    unseen_gold_items,
)
from labelqc.honeypot import HoneypotPolicy, serve_gold

CANDIDATES_PER_TRY = 8
PULL_ATTEMPTS = 3
# Items an intake batch holds back (screening flags, drops) or has not released yet.
NOT_SERVABLE = Q(batch_membership__held=True) | Q(
    batch_membership__batch__status__in=claim_pg.UNRELEASED_BATCH_STATUSES
)


def ensure_slots(*, project_id: int, item_ids: list[int] | None = None) -> int:
    """Create the k = project.overlap slots of every regular (non-gold) item that lacks them."""
    project = Project.objects.get(pk=project_id)
    items = (
        Item.objects.filter(project_id=project_id, is_gold=False)
        .exclude(NOT_SERVABLE)
        .annotate(n_slots=Count("assignments", filter=Q(assignments__slot__isnull=False)))
        .filter(n_slots__lt=project.overlap)
    )
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    rows = [
        Assignment(project_id=project_id, item_id=item_id, slot=slot, priority=priority)
        for item_id, priority in items.values_list("pk", "priority")
        for slot in range(project.overlap)
    ]
    created = Assignment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(created)


def honeypot_policy(project: Project) -> HoneypotPolicy:
    return HoneypotPolicy(
        initial_count=project.honeypot_initial_count,
        rate=project.honeypot_rate,
        target_accuracy=max(project.gold_target_accuracy, 1e-6),
    )


def _lease(project: Project, now) -> dict[str, Any]:
    return {
        "status": AssignmentStatus.LEASED,
        "leased_at": now,
        "lease_expires_at": now + timedelta(minutes=project.lease_minutes),
    }


def _current(member: Annotator, now) -> Assignment | None:
    """Work the annotator already holds: rework first, then an unexpired lease."""
    return claim_pg.held(member.pk, now)


def _gold_assignment(member: Annotator, project: Project, now) -> Assignment | None:
    gold = (
        unseen_gold_items(member, project)
        .annotate(uses=Count("assignments"))
        .order_by("uses", "id")  # least-used gold first keeps usage even
        .first()
    )
    if gold is None:
        return None
    return Assignment.objects.create(
        project_id=project.pk, item=gold, annotator=member, is_gold=True, **_lease(project, now)
    )


# A leased slot given back: open again, to anyone.
BACK_TO_POOL = {
    "annotator": None,
    "status": AssignmentStatus.OPEN,
    "leased_at": None,
    "lease_expires_at": None,
}


def _qualification_work(member: Annotator, project: Project, now) -> Assignment | None:
    """A pending annotator's work: the gold lease they hold, else unseen gold. A regular lease
    taken before the gate applied (or before a retake) goes back to the pool; rework waits for
    the decision."""
    held_gold = (
        Assignment.objects.filter(
            annotator=member,
            is_gold=True,
            status=AssignmentStatus.LEASED,
            lease_expires_at__gt=now,
        )
        .select_related("item")
        .first()
    )
    if held_gold is not None:
        return held_gold
    Assignment.objects.filter(
        annotator=member, is_gold=False, status=AssignmentStatus.LEASED
    ).update(**BACK_TO_POOL)
    return _gold_assignment(member, project, now)


def _claim_from(
    candidates, member: Annotator, available: Q, project: Project, now
) -> Assignment | None:
    for candidate in candidates[:CANDIDATES_PER_TRY]:
        # Another slot of the same item may have been claimed by this annotator meanwhile.
        if Assignment.objects.filter(annotator=member, item_id=candidate.item_id).exists():
            continue
        try:
            with transaction.atomic():
                claimed = Assignment.objects.filter(available, pk=candidate.pk).update(
                    annotator=member, **_lease(project, now)
                )
        except IntegrityError:  # the same annotator pulling twice at once: one claim wins
            continue
        if claimed:
            return Assignment.objects.select_related("item").get(pk=candidate.pk)
    return None


def _claim_slot(member: Annotator, project: Project, now) -> Assignment | None:
    """Open slots first (highest priority, oldest), then slots whose lease expired; items the
    member skipped (Next) only once nothing else is left for them, slots of items still waiting
    for theirs included, and then the longest-skipped first."""
    claimed = _claim_slot_of(member, project, now, skipped=False)
    if claimed is not None or not SkippedItem.objects.filter(annotator=member).exists():
        return claimed  # without skips, an empty queue is refilled by pull_next as before
    if ensure_slots(project_id=project.pk):
        claimed = _claim_slot_of(member, project, now, skipped=False)
        if claimed is not None:
            return claimed
    claimed = _claim_slot_of(member, project, now, skipped=True)
    if claimed is not None:
        # Served after all: a later Next remembers it afresh.
        SkippedItem.objects.filter(annotator=member, item_id=claimed.item_id).delete()
    return claimed


def _claim_slot_of(member: Annotator, project: Project, now, *, skipped: bool) -> Assignment | None:
    if connection.vendor == "postgresql":
        expires = _lease(project, now)["lease_expires_at"]
        for expired in (False, True):
            claimed = claim_pg.claim(
                project_id=project.pk,
                member_id=member.pk,
                now=now,
                expires=expires,
                expired=expired,
                skipped=skipped,
            )
            if claimed is not None:
                return claimed
        return None
    # Per-candidate index probes (item, annotator) rather than a set of the annotator's history.
    seen = Assignment.objects.filter(annotator=member, item_id=OuterRef("item_id"))
    held_back = Item.objects.filter(NOT_SERVABLE, pk=OuterRef("item_id"))
    skip = SkippedItem.objects.filter(annotator=member, item_id=OuterRef("item_id"))
    open_slots = Q(status=AssignmentStatus.OPEN)
    expired = Q(status=AssignmentStatus.LEASED, lease_expires_at__lte=now)
    for available in (open_slots, expired):
        candidates = (
            Assignment.objects.filter(available, project_id=project.pk, is_gold=False)
            .exclude(Exists(seen))
            .exclude(Exists(held_back))
            .only("id", "item_id")
        )
        if skipped:
            candidates = (
                candidates.filter(Exists(skip))
                .annotate(skipped_at=Subquery(skip.values("skipped_at")[:1]))
                .order_by("skipped_at", "-priority", "id")
            )
        else:
            candidates = candidates.exclude(Exists(skip)).order_by("-priority", "id")
        claimed = _claim_from(candidates, member, available, project, now)
        if claimed is not None:
            return claimed
    return None


def set_item_priorities(*, priorities: dict[int, int]) -> None:
    """Set items' queue priority, and their queue slots' copy of it, in one transaction.

    A regular item without its slots yet gets them now: slots are otherwise made only when the
    queue runs dry, so a raised item would wait behind every open slot of lower priority.
    """
    if not priorities:
        return
    with transaction.atomic():
        for item_id, priority in priorities.items():
            Item.objects.filter(pk=item_id).update(priority=priority)
            Assignment.objects.filter(item_id=item_id).update(priority=priority)
        project_ids = Item.objects.filter(pk__in=list(priorities)).values_list(
            "project_id", flat=True
        )
        for project_id in set(project_ids):
            ensure_slots(project_id=project_id, item_ids=list(priorities))


def gold_record(member: Annotator) -> tuple[int, float | None, int]:
    """(items served, mean gold accuracy, honeypots scored) for the annotator, in one query."""
    scored = Q(is_gold=True, gold_accuracy__isnull=False)
    stats = Assignment.objects.filter(annotator=member).aggregate(
        served=Count("id"),
        mean=Avg("gold_accuracy", filter=scored),
        n=Count("id", filter=scored),
    )
    return stats["served"], stats["mean"], stats["n"]


def _may_serve_gold(policy: HoneypotPolicy) -> bool:
    # A zero rate stays zero under adaptation, so without initial gold no record is needed.
    return policy.initial_count > 0 or policy.rate > 0


def _pull_once(
    member: Annotator,
    project: Project,
    policy: HoneypotPolicy,
    draw: float | None,
    gold_only: bool = False,
) -> Assignment | None:
    now = timezone.now()
    with transaction.atomic():
        if gold_only:
            return _qualification_work(member, project, now)
        current = _current(member, now)
        if current is not None:
            return current
        wants_gold = False
        if _may_serve_gold(policy):
            served, accuracy, n_scored = gold_record(member)
            wants_gold = serve_gold(
                policy,
                n_served=served,
                accuracy=accuracy,
                n_scored=n_scored,
                draw=random.random() if draw is None else draw,
            )
        assignment = _gold_assignment(member, project, now) if wants_gold else None
        return assignment or _claim_slot(member, project, now)


def pull_next(*, member: Annotator, draw: float | None = None) -> Assignment | None:
    """The annotator's next assignment, leased to them; None when the queue is empty.

    Slots are materialised lazily: when nothing is claimable, items that lack their k slots get
    them and the pull is tried once more.
    """
    project = member.project
    policy = honeypot_policy(project)
    gate = qualification_state(member, project)
    if gate == Qualification.FAILED:
        raise QualificationRequired(
            "you did not pass this project's qualification; a QA manager must clear you first"
        )
    gold_only = gate == Qualification.PENDING
    refilled = False
    for _ in range(PULL_ATTEMPTS):
        try:
            assignment = _pull_once(member, project, policy, draw, gold_only)
        except IntegrityError:
            # The same annotator pulling twice at once (two tabs): the other pull leased a slot
            # of the same item first; its lease is what the next try returns.
            continue
        if assignment is not None:
            return assignment
        if gold_only:
            alert_out_of_gold(member, project)
            raise QualificationRequired(
                "no qualification (gold) items are left for you; a QA manager must decide"
            )
        if refilled or not ensure_slots(project_id=project.pk):
            return None
        refilled = True
    return _current(member, timezone.now())


def release(*, member: Annotator, assignment: Assignment) -> bool:
    """Give a leased slot back to the pool (gold assignments are simply dropped).

    A released regular item is remembered as skipped by the member, so their next pull serves
    other work first (see _claim_slot); other annotators get the slot as usual.
    """
    with transaction.atomic():
        if assignment.is_gold:
            deleted, _ = Assignment.objects.filter(
                pk=assignment.pk, annotator=member, status=AssignmentStatus.LEASED
            ).delete()
            return bool(deleted)
        released = Assignment.objects.filter(
            pk=assignment.pk, annotator=member, status=AssignmentStatus.LEASED
        ).update(**BACK_TO_POOL)
        if released:
            SkippedItem.objects.bulk_create(
                [
                    SkippedItem(
                        annotator=member, item_id=assignment.item_id, skipped_at=timezone.now()
                    )
                ],
                update_conflicts=True,
                unique_fields=["annotator", "item"],
                update_fields=["skipped_at"],
            )
        return bool(released)
