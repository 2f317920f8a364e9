"""Cost reports: a Job + CostReport snapshot per request, computed by a Celery task.

The task claims the job row first (apps.jobs), so a redelivered message does nothing twice; a
finished report is never overwritten. A forecast over budget records one workflow Alert
(kind "budget") per report period and alert level: re-runs in the same period find it there.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import audited_change, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.costs import selectors
from apps.costs.defaults import cost_defaults
from apps.costs.models import Budget, CostReport, ReportStatus
from apps.costs.services.scenarios import compare
from apps.costs.services.tables import by_class_frame, flat_forecast, named, period_budget
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.services import job_claim, job_create, job_finish, job_lock_running
from apps.projects.models import Project
from apps.workflow.models import Alert
from apps.workflow.services.alerts import resolve_superseded
from labelqc.cost import (
    CostInputError,
    actual_costs,
    forecast_to_finish,
    period_start,
    summarize,
    waterfall,
)

logger = logging.getLogger("labelqc.costs")
REPORT_KIND = "costs.report"


def _standard_params(project_id: int) -> dict[str, Any]:
    """A report's parameters when nobody asks otherwise: the budget's period, the configured
    confidence, the remaining labels the plan implies."""
    defaults = cost_defaults()
    budget = Budget.objects.filter(project_id=project_id).first()
    return {
        "period": budget.period if budget else defaults.period,
        "confidence": defaults.confidence,
        "remaining_labels": None,
    }


def report_start(*, actor: Any, project_id: int, params: dict[str, Any]) -> CostReport:
    """Create the snapshot row and its job; the computation runs in Celery, after commit."""
    standard = _standard_params(project_id)
    resolved = {
        "period": params.get("period") or standard["period"],
        "confidence": params.get("confidence") or standard["confidence"],
        "remaining_labels": params.get("remaining_labels"),
    }
    with transaction.atomic():
        job = job_create(kind=REPORT_KIND, project_id=project_id, actor=actor, params=resolved)
        report = CostReport.objects.create(
            project_id=project_id,
            params=resolved,
            job=job,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        job_send_on_commit(job)
    return report


def _scenario_section(project_id: int) -> dict[str, Any]:
    stored = list(selectors.scenarios_of(project_id=project_id))
    if not stored:
        return {"baseline": None, "comparison": [], "breakeven": [], "tornado": []}
    return compare({s.name: s.segments for s in stored}, baseline=stored[0].name)


def _remaining(project: Project, budget: Budget | None, params: dict, accepted: float) -> float:
    if params.get("remaining_labels") is not None:
        return float(params["remaining_labels"])
    planned = budget.planned_labels if budget and budget.planned_labels is not None else None
    if planned is None:
        planned = selectors.planned_labels(project=project)
    return max(float(planned) - accepted, 0.0)


def build_report(project: Project, params: dict[str, Any]) -> dict[str, Any]:
    """Everything a cost report shows, from the current rate cards, work log and scenarios."""
    cards = selectors.pure_rate_cards(project_id=project.pk)
    if not cards:
        raise ServiceValidationError("the project has no rate card yet", field="rate_cards")
    log = selectors.worklog(project_id=project.pk)
    costs = actual_costs(log.frame, cards, period=params["period"])
    budget = Budget.objects.filter(project=project).first()
    labels = selectors.names(project_id=project.pk)
    totals = summarize(costs)[0]
    remaining = _remaining(project, budget, params, totals["accepted_labels"])
    forecast = forecast_to_finish(
        costs,
        remaining,
        budget=budget.amount if budget else None,
        confidence=params["confidence"],
    )
    scenarios = _scenario_section(project.pk)
    # A per-period budget compares only with periods of its own length.
    same_period = budget is not None and budget.period == params["period"]
    per_period = budget.per_period_amount if same_period else None
    tables = {
        "by_class": named(
            summarize(by_class_frame(costs, log.class_shares), "class_id"),
            "class_id",
            labels["class"],
            "class_name",
        ),
        "by_cohort": named(
            summarize(costs, ["cohort_id", "vendor"]), "cohort_id", labels["cohort"], "cohort_name"
        ),
        "by_vendor": summarize(costs, "vendor"),
        "by_period": period_budget(summarize(costs, "period"), per_period),
        "waterfall": waterfall(costs),
        "forecast": [flat_forecast(forecast)],
        "scenarios": [
            {k: v for k, v in record.items() if k != "waterfall"}
            for record in scenarios["comparison"]
        ],
        "breakeven": scenarios["breakeven"],
        "tornado": scenarios["tornado"],
    }
    decisions = costs["review_decision"].value_counts().sort_index()
    return {
        "as_of": timezone.now().isoformat(),
        "currency": budget.currency if budget else cost_defaults().currency,
        "period": params["period"],
        "counts": {
            "labels": len(costs),
            "gold_left_out": log.gold_left_out,
            "decisions": {str(k): int(v) for k, v in decisions.items()},
        },
        "totals": totals,
        "forecast": forecast,
        "budget": None
        if budget is None
        else {
            **{
                k: getattr(budget, k)
                for k in ("amount", "currency", "period", "per_period_amount", "planned_labels")
            },
            "status": forecast["budget"],
        },
        "scenarios": {"baseline": scenarios["baseline"], "count": len(scenarios["comparison"])},
        "tables": tables,
        "inputs": {
            "rate_cards": [
                {"id": c.pk, **selectors.card_values(c)}
                for c in selectors.rate_cards_of(project_id=project.pk)
            ],
            "budget": snapshot(budget) if budget else None,
        },
        "alert": None,
    }


def _what_if(report: CostReport) -> bool:
    """Whether the report was asked with hypothetical parameters (remaining labels, another
    confidence or period than the standard ones): it answers a question, it is not the forecast."""
    params = {key: report.params.get(key) for key in ("period", "confidence", "remaining_labels")}
    return params != _standard_params(report.project_id)


def record_budget_alert(report: CostReport, result: dict[str, Any]) -> dict[str, Any] | None:
    """One Alert per (period, level) while the forecast is over budget or at risk; the report
    resolves the earlier budget alerts it supersedes (another period or level, a forecast back
    inside the budget, no budget any more). Only a report with the standard parameters raises or
    resolves alerts (not a what-if), and one without an estimate yet ("unknown") resolves none."""
    if _what_if(report):
        return None
    status = (result.get("forecast") or {}).get("budget")
    if status and status.get("alert_level") == "unknown":
        return None
    if not status or not status.get("alert"):
        resolve_superseded(
            project_id=report.project_id,
            kind="budget",
            resolution=(
                f"forecast inside the budget again (cost report {report.pk})"
                if status
                else f"the project has no budget any more (cost report {report.pk})"
            ),
        )
        return None
    as_of = pd.Series([pd.Timestamp(result["as_of"])])
    current = str(period_start(as_of, result["period"]).iloc[0])
    key = f"budget:{result['period']}:{current}:{status['alert_level']}"
    level = "over budget" if status["alert_level"] == "over" else "at risk of exceeding budget"
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                project_id=report.project_id,
                kind="budget",
                key=key,
                message=f"Labeling cost forecast is {level} (cost report {report.pk}).",
                details={
                    "report": report.pk,
                    "alert_level": status["alert_level"],
                    "period": current,
                },
                created_by=report.created_by,
            )
        created = True
    except IntegrityError:
        alert = Alert.objects.get(project_id=report.project_id, kind="budget", key=key)
        created = False
        # Over again after labelqc resolved it: open it again. One a manager resolved stays so.
        if alert.resolved_at is not None and alert.resolved_by_id is None:
            with audited_change(
                actor=None,
                action="alert.reopen",
                entity=alert,
                reason=f"over again (cost report {report.pk})",
            ):
                alert.resolved_at, alert.resolution = None, ""
                alert.save(update_fields=["resolved_at", "resolution"])
    resolve_superseded(
        project_id=report.project_id,
        kind="budget",
        keep_key=key,
        resolution=f"superseded by cost report {report.pk} ({level}, period {current})",
    )
    return {"id": alert.pk, "key": key, "created": created, "level": status["alert_level"]}


def _errors(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, ServiceValidationError):
        return [{"field": k, "messages": v} for k, v in exc.errors.items()]
    if isinstance(exc, CostInputError):
        record = None if exc.record is None else str(exc.record)
        return [{"field": exc.field, "messages": [exc.reason], "record": record}]
    return [{"field": "non_field_errors", "messages": [f"internal error ({type(exc).__name__})"]}]


def report_run(report_id: int) -> CostReport:
    """Claim the report's job, compute, store the snapshot once (a re-run does nothing)."""
    report = CostReport.objects.select_related("project").get(pk=report_id)
    if report.job_id is None or job_claim(report.job_id) is None:
        return report
    CostReport.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(
        status=ReportStatus.RUNNING
    )
    result: dict[str, Any] | None = None
    try:
        result = build_report(report.project, report.params)
        errors: list[dict[str, Any]] = []
    except (ServiceValidationError, CostInputError) as exc:
        errors = _errors(exc)
    except Exception as exc:  # the job must end failed, not stay running
        logger.exception("cost report %s failed", report.pk)
        errors = _errors(exc)
    with transaction.atomic():
        if not job_lock_running(report.job_id):  # cancelled while it computed: nothing recorded
            CostReport.objects.filter(pk=report.pk).update(
                status=ReportStatus.FAILED,
                errors=[{"field": "job", "messages": ["the job was cancelled"]}],
                finished_at=timezone.now(),
            )
            report.refresh_from_db()
            return report
        if result is not None:
            result["alert"] = record_budget_alert(report, result)
        status = ReportStatus.FAILED if errors else ReportStatus.SUCCEEDED
        CostReport.objects.filter(
            pk=report.pk, status__in=[ReportStatus.PENDING, ReportStatus.RUNNING]
        ).update(status=status, result=result, errors=errors, finished_at=timezone.now())
        job_finish(
            report.job_id,
            result={"report": report.pk, "status": status},
            errors=errors,
            failed=bool(errors),
        )
    report.refresh_from_db()
    return report
