"""The project's sampling plan setting, and the plan (with its OC curve) for a lot size.

Table plans come from ISO 2859-1 Tables 1 and 2-A (labelqc.intake.plan_from_table: AQL and
inspection level); risk plans are the smallest hypergeometric plan meeting the producer's risk
at the AQL and the consumer's risk at the LTPD (labelqc.intake.plan_for_risks).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db import transaction

from apps.audit.services import audit, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.intake.models import PlanMethod, SamplingPlan
from apps.intake.services.common import from_core
from labelqc.intake import (
    IntakeInputError,
    operating_characteristic,
    plan_for_risks,
    plan_from_table,
)
from labelqc.intake import SamplingPlan as CorePlan

# Lot size used only to validate a setting (any lot of 2 or more would do).
CHECK_LOT = 1000


def core_plan(setting: SamplingPlan, lot_size: int) -> CorePlan:
    """The single sampling plan the setting gives for a lot of `lot_size` items."""
    try:
        if setting.method == PlanMethod.TABLE:
            return plan_from_table(lot_size, setting.aql, setting.inspection_level)
        return plan_for_risks(
            lot_size,
            setting.aql,
            setting.ltpd,
            producer_risk=setting.producer_risk,
            consumer_risk=setting.consumer_risk,
        )
    except IntakeInputError as error:
        raise _renamed(error) from None


def _renamed(error: IntakeInputError) -> ServiceValidationError:
    converted = from_core(error)
    if "level" in converted.errors:
        converted.errors["inspection_level"] = converted.errors.pop("level")
    return converted


@transaction.atomic
def plan_set(*, actor: Any, project_id: int, data: dict[str, Any]) -> SamplingPlan:
    """Create or replace the project's sampling plan setting (checked by the core first)."""
    method = data["method"]
    candidate = SamplingPlan(
        project_id=project_id,
        method=method,
        aql=data["aql"],
        inspection_level=data.get("inspection_level") or "II",
        ltpd=data.get("ltpd") if method == PlanMethod.RISKS else None,
        producer_risk=data.get("producer_risk", 0.05),
        consumer_risk=data.get("consumer_risk", 0.10),
        review_mode=data["review_mode"],
    )
    if method == PlanMethod.RISKS and candidate.ltpd is None:
        raise ServiceValidationError("required when method is 'risks'", field="ltpd")
    core_plan(candidate, CHECK_LOT)
    stored = SamplingPlan.objects.select_for_update().filter(project_id=project_id).first()
    before = snapshot(stored) if stored else None
    if stored is not None:
        candidate.pk = stored.pk
    candidate.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    candidate.save()
    audit(
        actor=actor,
        project_id=project_id,
        action="intake.sampling_plan.set",
        entity=candidate,
        before=before,
        after=snapshot(candidate),
    )
    return candidate


def oc_curve(plan: CorePlan) -> dict[str, Any]:
    curve = operating_characteristic(plan)
    return {
        "model": curve.model,
        "defect_rate": [float(v) for v in curve.defect_rate],
        "p_accept": [float(v) for v in curve.p_accept],
    }


def plan_payload(plan: CorePlan) -> dict[str, Any]:
    """The plan's fields plus its OC curve and the acceptance probability at AQL / LTPD."""
    curve = oc_curve(plan)
    marks = {"aql": plan.aql, "ltpd": plan.ltpd}
    at = {}
    for name, percent in marks.items():
        if percent is not None and percent <= 100.0:
            rate = min(percent / 100.0, 1.0)
            at[name] = float(
                operating_characteristic(plan, [rate], model=curve["model"]).p_accept[0]
            )
    return {"plan": asdict(plan), "oc_curve": curve, "p_accept_at": at}
