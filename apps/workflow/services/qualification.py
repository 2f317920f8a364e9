"""The qualification gate: a new annotator labels gold only until their first gold items are
scored; then they pass (regular work) or fail (no work until a manager clears them).

Off unless the project sets `qualification_accuracy`. Only the `annotator` role is gated. The
decision is taken at the annotator's next pull, from their first max(1, honeypot_initial_count)
scored gold items, so members who already have that many when the gate is turned on are decided
at once, and the rest get gold until they have.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import audit, audited_change
from apps.common.roles import Role
from apps.projects.models import Annotator, Project, Qualification
from apps.workflow.models import Alert, Assignment
from apps.workflow.services.alerts import resolve_superseded
from labelqc.honeypot import qualification_outcome

ALERT_KIND = "qualification"


class QualificationRequired(Exception):
    """The annotator may not get regular work now; the message says why and what to do."""


def gold_items_required(project: Project) -> int:
    return max(1, project.honeypot_initial_count)


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
    scores = list(
        Assignment.objects.filter(annotator=member, is_gold=True, gold_accuracy__isnull=False)
        .order_by("submitted_at", "id")
        .values_list("gold_accuracy", flat=True)[:required]
    )
    outcome = qualification_outcome(scores, required, project.qualification_accuracy)
    if outcome == Qualification.PENDING:
        return outcome
    mean = sum(scores) / required
    with transaction.atomic():
        decided = Annotator.objects.filter(
            pk=member.pk, qualification=Qualification.PENDING
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
    message = (
        f"{member.pseudonym or member.pk} did not qualify: gold accuracy {mean:.2f} over the "
        f"first {required} gold items, under {project.qualification_accuracy:.2f}"
    )
    try:
        with transaction.atomic():
            Alert.objects.create(
                project=project,
                kind=ALERT_KIND,
                key=_alert_key(member),
                message=message,
                details={"annotator": member.pk, "gold_accuracy": mean, "gold_items": required},
            )
    # Failed before, put back to pending (only the admin can), failed again: a new failure, so
    # the same alert opens again whoever resolved it.
    except IntegrityError:
        Alert.objects.filter(project=project, kind=ALERT_KIND, key=_alert_key(member)).update(
            message=message, resolved_at=None, resolved_by=None, resolution=""
        )


@transaction.atomic
def qualification_decide(
    *, actor: Any, member: Annotator, qualification: str, note: str
) -> Annotator:
    """A manager's decision (passed or failed), audited; passing resolves the member's alert."""
    member = Annotator.objects.select_for_update().get(pk=member.pk)
    with audited_change(actor=actor, action="member.qualification", entity=member, reason=note):
        member.qualification = qualification
        member.qualification_decided_at = timezone.now()
        member.save(update_fields=["qualification", "qualification_decided_at"])
    if qualification == Qualification.PASSED:
        resolve_superseded(
            project_id=member.project_id,
            kind=ALERT_KIND,
            resolution=f"cleared by a manager: {note}" if note else "cleared by a manager",
            keys=[_alert_key(member)],
        )
    return member
