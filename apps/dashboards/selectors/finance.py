"""Finance page data: cost waterfall, cost per accepted label by class / cohort / vendor,
forecast to finish with its interval, budget vs actual, scenarios.

Numbers come from apps.costs: its latest cost report snapshot when the page is unfiltered,
else `build_report` now (same code). Time window, cohort and class narrow the cost tables by
masking the program's cost rows (computed on the whole work log, so escape estimates keep
their pooled rates); the forecast and the budget stay program-wide and say so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from apps.common.exceptions import ServiceValidationError
from apps.costs import selectors as costs
from apps.costs.defaults import cost_defaults
from apps.costs.models import Budget, RateCard, Scenario
from apps.costs.services import build_report
from apps.costs.services.tables import named, period_budget
from apps.dashboards import cost_figures as figures
from apps.dashboards.cache import cached, changed_since
from apps.dashboards.filters import PageFilters
from apps.dashboards.tables import Column, PageData, Table
from apps.projects.models import Cohort, Project
from labelqc.cost import COST_FRAME_COLUMNS, actual_costs, summarize, waterfall

PER_LABEL = [
    Column("total_cost", "total cost", "number", 2),
    Column("accepted_labels", "accepted labels", "number", 1),
    Column("cost_per_accepted_label", "cost / accepted label", "number", 3),
    Column("direct_cost_per_accepted_label", "direct / accepted label", "number", 3),
    Column("uplift_over_direct", "uplift over direct", "percent"),
    Column("corrections", "corrections", "number", 1),
    Column("escaped_defects", "est. escapes", "number", 1),
]
COMPONENTS = ("direct_cost", "review_cost", "rework_cost", "engineering_cost", "remediation_cost")


def _params(project: Project) -> dict[str, Any]:
    budget = Budget.objects.filter(project=project).first()
    defaults = cost_defaults()
    return {
        "period": budget.period if budget else defaults.period,
        "confidence": defaults.confidence,
        "remaining_labels": None,
    }


def _filtered_tables(project: Project, filters: PageFilters, period: str) -> dict[str, list]:
    """The cost tables over the rows the filters keep (class: split by the item's class mix)."""
    log = costs.worklog(project_id=project.pk)
    frame = actual_costs(log.frame, costs.pure_rate_cards(project_id=project.pk), period=period)
    keep = pd.Series(True, index=frame.index)
    done = log.frame["completed_at"]
    if filters.since:
        keep &= done >= pd.Timestamp(filters.since)
    if filters.until:
        keep &= done < pd.Timestamp(filters.until)
    if filters.cohort_id:
        keep &= log.frame["cohort_id"] == filters.cohort_id
    frame = frame[keep.to_numpy()]
    numeric = [*COST_FRAME_COLUMNS, "n_items"]
    shares = log.class_shares
    if filters.class_id:
        shares = shares[shares["class_id"] == filters.class_id]
    split = shares.merge(
        frame[[*numeric, "cohort_id", "vendor", "period"]],
        left_on="assignment_id",
        right_index=True,
    )
    split[numeric] = split[numeric].mul(split["share"], axis=0)
    names = costs.names(project_id=project.pk)
    return {
        "by_class": named(summarize(split, "class_id"), "class_id", names["class"], "class_name"),
        "by_cohort": named(
            summarize(split, ["cohort_id", "vendor"]), "cohort_id", names["cohort"], "cohort_name"
        ),
        "by_vendor": summarize(split, "vendor"),
        "by_period": period_budget(summarize(split, "period"), None),
        "waterfall": waterfall(split),
    }


def load_costs(project: Project, filters: PageFilters) -> tuple[dict | None, dict[str, Any]]:
    snapshot = None if filters.active else costs.latest_report(project_id=project.pk)
    if snapshot is not None and snapshot.result:
        stale = changed_since(project, snapshot.finished_at, (RateCard, Budget, Scenario))
        return snapshot.result, {
            "kind": "snapshot",
            "report": snapshot.pk,
            "at": snapshot.finished_at,
            "stale": stale,
        }
    return cached(
        "finance",
        project,
        filters.query(),
        lambda: _live(project, filters),
        extra=_cost_inputs(project),
    )


def _cost_inputs(project: Project) -> list[Any]:
    """What the cost figures read besides the workflow rows the cache fingerprint covers."""
    return [
        list(RateCard.objects.filter(project=project).values_list("id", "updated_at")),
        list(Budget.objects.filter(project=project).values_list("updated_at")),
        list(Scenario.objects.filter(project=project).values_list("id", "updated_at")),
        list(Cohort.objects.filter(project=project).values_list("id", "name", "vendor")),
    ]


def _live(project: Project, filters: PageFilters) -> tuple[dict | None, dict[str, Any]]:
    try:
        result = build_report(project, _params(project))
    except ServiceValidationError as error:
        return None, {"kind": "none", "errors": error.errors}
    if filters.active:
        tables = _filtered_tables(project, filters, result["period"])
        result = {**result, "tables": {**result["tables"], **tables}}
    return result, {"kind": "live", "report": None, "at": None}


def _group_table(name: str, title: str, key: Column, rows: list[dict]) -> Table:
    return Table(name, title, [key, *PER_LABEL], rows)


def _per_label_figure(title: str, rows: list[dict], key: str, currency: str) -> dict:
    rows = [r for r in rows if r.get("cost_per_accepted_label") is not None]
    return figures.cost_per_label(
        title,
        [str(r.get(key)) for r in rows],
        [r["cost_per_accepted_label"] for r in rows],
        [r["direct_cost_per_accepted_label"] for r in rows],
        currency,
    )


def _forecast_section(page: PageData, result: dict, currency: str) -> None:
    forecast = result["forecast"]
    by_period = forecast.get("by_period") or []
    cumulative = pd.Series([p["cost"] for p in by_period], dtype=float).cumsum().tolist()
    at_completion = forecast["estimate_at_completion"]
    budget = result.get("budget") or {}
    page.figures["forecast"] = figures.forecast(
        [p["period"] for p in by_period],
        cumulative,
        {
            "eac": at_completion["point"],
            "eac_low": at_completion["lower"],
            "eac_high": at_completion["upper"],
        },
        budget.get("amount"),
        currency,
    )
    status = forecast.get("budget") or {}
    page.figures["budget"] = figures.budget_bars(
        ["program"] if budget else [],
        [budget.get("amount")],
        [forecast["cost_to_date"]],
        [at_completion["point"]],
        currency,
    )
    page.context["budget_status"] = status
    page.add(
        Table(
            "forecast",
            "Forecast to finish",
            [
                Column("cost_to_date", "cost to date", "number", 2),
                Column("accepted_to_date", "accepted to date", "number", 0),
                Column("remaining_items", "remaining labels", "number", 0),
                Column("forecast_to_finish", "to finish", "number", 2),
                Column("forecast_to_finish_lower", "to finish (low)", "number", 2),
                Column("forecast_to_finish_upper", "to finish (high)", "number", 2),
                Column("estimate_at_completion", "at completion", "number", 2),
                Column("budget", "budget", "number", 2),
                Column("alert_level", "budget status"),
                Column("interval_reason", "note"),
            ],
            result["tables"].get("forecast", []),
            note=f"confidence {forecast['confidence']:.0%}",
        )
    )


def _scenario_section(page: PageData, result: dict, currency: str) -> None:
    rows = result["tables"].get("scenarios", [])
    page.figures["scenarios"] = figures.scenarios(
        [r["scenario"] for r in rows],
        {c.replace("_cost", "").replace("_", " "): [r[c] for r in rows] for c in COMPONENTS},
        currency,
    )
    page.add(
        Table(
            "scenarios",
            "Scenario comparison",
            [
                Column("scenario", "scenario"),
                Column("rank", "rank", "int"),
                Column("total_cost", "total", "number", 2),
                Column("cost_per_accepted_label", "per accepted label", "number", 3),
                Column("delta_vs_baseline", "vs baseline", "number", 2),
                Column("is_baseline", "baseline", "bool"),
            ],
            rows,
            empty="No scenarios saved.",
        )
    )
    page.add(
        Table(
            "breakeven",
            "Break-even remediation cost",
            [
                Column("scenario", "scenario"),
                Column("versus", "versus"),
                Column("remediation_cost_per_escape", "break-even per escape", "number", 2),
                Column("reason", "note"),
            ],
            result["tables"].get("breakeven", []),
            empty="Needs two scenarios.",
        )
    )


def finance_page(project: Project, filters: PageFilters) -> PageData:
    result, source = load_costs(project, filters)
    page = PageData(context={"source": source, "filtered": filters.active})
    if result is None:
        return page
    currency = result["currency"]
    tables = result["tables"]
    page.context.update(currency=currency, totals=result["totals"], counts=result["counts"])
    steps = tables.get("waterfall", [])
    page.figures["waterfall"] = figures.cost_waterfall(steps, currency)
    page.add(
        Table(
            "waterfall",
            "Cost waterfall",
            [
                Column("label", "step"),
                Column("amount", "amount", "number", 2),
                Column("share_of_total", "share of total", "percent"),
            ],
            steps,
        )
    )
    for name, title, key, label in (
        ("by_class", "Cost per accepted label by class", "class_name", "class"),
        ("by_cohort", "Cost per accepted label by cohort", "cohort_name", "cohort"),
        ("by_vendor", "Cost per accepted label by vendor", "vendor", "vendor"),
    ):
        rows = tables.get(name, [])
        page.add(_group_table(name, title, Column(key, label), rows))
        page.figures[name] = _per_label_figure(title, rows, key, currency)
    periods = tables.get("by_period", [])
    page.add(
        Table(
            "by_period",
            "Spend per period vs budget",
            [
                Column("period", "period"),
                Column("total_cost", "spent", "number", 2),
                Column("accepted_labels", "accepted", "number", 1),
                Column("period_budget", "period budget", "number", 2),
                Column("over_period_budget", "over", "bool"),
            ],
            periods,
        )
    )
    _forecast_section(page, result, currency)
    _scenario_section(page, result, currency)
    return page
