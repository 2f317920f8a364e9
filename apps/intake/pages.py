"""What the intake pages show: plain context dicts and plotly figure dicts (no ORM in templates
beyond attribute reads). Figures are drawn by the plotly.js this app serves itself."""

from __future__ import annotations

from typing import Any

from apps.common.exceptions import ServiceValidationError
from apps.intake import selectors
from apps.intake.models import Batch, InspectionStatus, SamplingPlan
from apps.intake.services import core_plan, plan_payload, settings_of
from apps.intake.services.screening import thresholds_of
from labelqc.intake import DEFECT_TYPES

LABELS = {
    "missing_object": "missing",
    "extra_object": "extra",
    "wrong_class": "wrong class",
    "poor_localisation": "poor localisation",
    "wrong_attribute": "wrong attribute",
}


def oc_figure(payload: dict[str, Any]) -> dict[str, Any]:
    plan, curve = payload["plan"], payload["oc_curve"]
    percent = [100.0 * rate for rate in curve["defect_rate"]]
    shapes = []
    for name, color in (("aql", "#2ca02c"), ("ltpd", "#d62728")):
        if plan.get(name) is not None and plan[name] <= max(percent, default=0):
            shapes.append(
                {
                    "type": "line",
                    "x0": plan[name],
                    "x1": plan[name],
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": color, "dash": "dot"},
                }
            )
    title = (
        f"OC curve: n = {plan['sample_size']}, Ac = {plan['accept_number']}, "
        f"lot {plan['lot_size']} ({curve['model']})"
    )
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": percent,
                "y": curve["p_accept"],
                "name": "P(accept)",
                "hovertemplate": "%{x:.2f}% defective: P(accept) %{y:.3f}<extra></extra>",
            }
        ],
        "layout": {
            "title": {"text": title},
            "xaxis": {"title": {"text": "lot defect rate (%)"}},
            "yaxis": {"title": {"text": "probability of acceptance"}, "range": [0, 1.02]},
            "shapes": shapes,
            "margin": {"t": 48, "r": 16},
            "height": 340,
        },
    }


def defect_figure(summary: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "bar",
                "x": [LABELS[name] for name in DEFECT_TYPES],
                "y": [summary.get(name, {}).get("n_items_affected", 0) for name in DEFECT_TYPES],
                "name": "items affected",
            }
        ],
        "layout": {
            "title": {"text": title},
            "yaxis": {"title": {"text": "sampled items affected"}},
            "margin": {"t": 48, "r": 16},
            "height": 300,
        },
    }


def batches_context(project_id: int) -> dict[str, Any]:
    return {"batches": list(selectors.batches_of(project_id=project_id))}


def _plan_section(batch: Batch) -> tuple[dict[str, Any] | None, str | None]:
    setting = SamplingPlan.objects.filter(project_id=batch.project_id).first()
    if setting is None:
        return None, "The project has no sampling plan yet (PUT /api/projects/{id}/sampling-plan/)."
    lot = len(selectors.lot_item_ids(batch))
    try:
        payload = plan_payload(core_plan(setting, lot))
    except ServiceValidationError as error:
        return None, f"No plan for a lot of {lot}: {error.errors}"
    return {"setting": setting, **payload}, None


def _breakdown(inspection) -> list[dict[str, Any]]:
    return [
        {"type": name, "label": LABELS[name], **(inspection.defect_summary.get(name) or {})}
        for name in DEFECT_TYPES
    ]


def batch_context(batch: Batch) -> dict[str, Any]:
    memberships = list(selectors.batch_items(batch=batch))
    figures: dict[str, Any] = {}
    plan, plan_note = _plan_section(batch)
    if plan is not None:
        figures["oc"] = oc_figure(plan)
    inspections = list(batch.inspections.all())
    for inspection in inspections:
        inspection.breakdown = _breakdown(inspection)
    decided = [i for i in inspections if i.status == InspectionStatus.DECIDED]
    if decided:
        figures["defects"] = defect_figure(
            decided[0].defect_summary, f"Defects in inspection {decided[0].pk}"
        )
    runs = list(batch.screening_runs.select_related("job")[:1])
    return {
        "batch": batch,
        "memberships": memberships,
        "flagged": [m for m in memberships if m.flags or m.held],
        "groups": selectors.duplicate_groups(batch),
        "run": runs[0] if runs else None,
        "thresholds": vars(thresholds_of(settings_of(batch.project_id))),
        "plan": plan,
        "plan_note": plan_note,
        "inspections": inspections,
        "open_inspection": next(
            (i for i in inspections if i.status == InspectionStatus.OPEN), None
        ),
        "figures": figures,
        "n_held": sum(1 for m in memberships if m.held),
        "n_unscreened": sum(1 for m in memberships if m.screened_at is None),
    }
