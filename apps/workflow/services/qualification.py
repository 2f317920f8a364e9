"""The qualification gate: a new annotator labels gold only until their first gold items are
scored; then they pass (regular work) or fail (no work until a manager clears them or grants a
retake, which starts a new attempt on the gold items they have not seen).

Off unless the project sets `qualification_accuracy`. Only the `annotator` role is gated. The
decision is taken at the annotator's next pull, from their first max(1, honeypot_initial_count)
scored gold items, so members who already have that many when the gate is turned on are decided
at once, and the rest get gold until they have.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.audit.services import audit, audited_change
from apps.common.exceptions import ServiceValidationError
from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import QUALIFICATION_RETAKE, Annotator, Project, Qualification
from apps.workflow.models import Alert, Assignment
from apps.workflow.services.alerts import resolve_superseded
from labelqc.honeypot import qualification_outcome

ALERT_KIND = "qualification"


class QualificationRequired(Exception):
    """The annotator may not get regular work now; the message says why and what to do."""


def gold_items_required(project: Project) -> int:
    return max(1, project.honeypot_initial_count)


def unseen_gold_items(member: Annotator, project: Project) -> QuerySet[Item]:
    """The project's gold items the member has never been served."""
    seen = Assignment.objects.filter(annotator=member).values("item_id")
    return Item.objects.filter(project_id=project.pk, is_gold=True).exclude(pk__in=seen)


def _alert_key(member: Annotator) -> str:
    return f"annotator:{member.pk}"


def gated(member: Annotator, project: Project) -> bool:
    """Whether the project's qualification gate applies to this member."""
    return project.qualification_accuracy is not None and member.role == Role.ANNOTATOR


def qualification_state(member: Annotator, project: Project) -> str:
    """The member's state under the gate ("passed" when the gate does not apply), deciding a
    pending one whose first gold items are all scored. Concurrent pulls decide it once."""
    if not gated(member, project):
        return Qualification.PASSED
    if member.qualification != Qualification.PENDING:
        return member.qualification
    required = gold_items_required(project)
    scored = Assignment.objects.filter(annotator=member, is_gold=True, gold_accuracy__isnull=False)
    if member.qualification_attempt_from is not None:
        scored = scored.filter(submitted_at__gt=member.qualification_attempt_from)
    scores = list(
        scored.order_by("submitted_at", "id").values_list("gold_accuracy", flat=True)[:required]
    )
    outcome = qualification_outcome(scores, required, project.qualification_accuracy)
    if outcome == Qualification.PENDING:
        return outcome
    mean = sum(scores) / required
    with transaction.atomic():
        # Only the attempt these scores belong to: a retake granted meanwhile starts a new one.
        decided = Annotator.objects.filter(
            pk=member.pk,
            qualification=Qualification.PENDING,
            qualification_attempt_from=member.qualification_attempt_from,
        ).update(qualification=outcome, qualification_decided_at=timezone.now())
        if decided:
            audit(
                actor=None,
                project_id=project.pk,
                action="member.qualification",
                entity=member,
                before={"qualification": Qualification.PENDING},
                after={"qualification": outcome, "gold_accuracy": mean, "gold_items": required},
            )
            if outcome == Qualification.FAILED:
                _raise_alert(member, project, mean, required)
    member.refresh_from_db(fields=["qualification", "qualification_decided_at"])
    return member.qualification


def _raise_alert(member: Annotator, project: Project, mean: float, required: int) -> None:
    attempt = "the retake's" if member.qualification_attempt_from else "the first"
    message = (
        f"{member.pseudonym or member.pk} did not qualify: gold accuracy {mean:.2f} over "
        f"{attempt} {required} gold items, under {project.qualification_accuracy:.2f}"
    )
    _open_alert(
        member,
        project,
        message,
        {"annotator": member.pk, "gold_accuracy": mean, "gold_items": required},
    )


def alert_out_of_gold(member: Annotator, project: Project) -> None:
    """A pending member has no unseen gold left to qualify on: QA must add gold or decide."""
    message = (
        f"{member.pseudonym or member.pk} is waiting to qualify, but no gold items they have "
        "not seen are left: add gold items, or pass or fail them"
    )
    _open_alert(member, project, message, {"annotator": member.pk, "out_of_gold": True})


def _open_alert(member: Annotator, project: Project, message: str, details: dict) -> None:
    try:
        with transaction.atomic():
            Alert.objects.create(
                project=project,
                kind=ALERT_KIND,
                key=_alert_key(member),
                message=message,
                details=details,
            )
    # Failed before, given a retake, failed again: a new failure, so the same alert opens again
    # whoever resolved it.
    except IntegrityError:
        Alert.objects.filter(project=project, kind=ALERT_KIND, key=_alert_key(member)).update(
            message=message, details=details, resolved_at=None, resolved_by=None, resolution=""
        )


@transaction.atomic
def qualification_decide(
    *, actor: Any, member: Annotator, qualification: str, note: str
) -> Annotator:
    """A manager's decision, audited: passed, failed, or "retake" (pending again from now on,
    decided by the next gold items like a new member's). Passing or a retake resolves the
    member's alert; failing the retake opens it again."""
    member = Annotator.objects.select_for_update().select_related("project").get(pk=member.pk)
    project = member.project
    if not gated(member, project):
        why = (
            "the project has no qualification gate (set qualification_accuracy)"
            if project.qualification_accuracy is None
            else f"only annotators are gated; this member is a {member.role}"
        )
        raise ServiceValidationError({"qualification": [why]})
    if qualification == QUALIFICATION_RETAKE:
        unseen = unseen_gold_items(member, project).count()
        required = gold_items_required(project)
        if unseen < required:
            raise ServiceValidationError(
                {
                    "qualification": [
                        f"a retake needs {required} gold items this annotator has not seen; "
                        f"{unseen} are left: add gold items first"
                    ]
                }
            )
    fields = ["qualification", "qualification_decided_at", "qualification_attempt_from"]
    with audited_change(actor=actor, action="member.qualification", entity=member, reason=note):
        now = timezone.now()
        if qualification == QUALIFICATION_RETAKE:
            member.qualification = Qualification.PENDING
            member.qualification_decided_at = None
            member.qualification_attempt_from = now
        else:
            member.qualification = qualification
            member.qualification_decided_at = now
        member.save(update_fields=fields)
    if qualification != Qualification.FAILED:
        what = "a retake granted" if qualification == QUALIFICATION_RETAKE else "cleared"
        resolve_superseded(
            project_id=member.project_id,
            kind=ALERT_KIND,
            resolution=f"{what} by a manager" + (f": {note}" if note else ""),
            keys=[_alert_key(member)],
            by=actor,
        )
    return member
