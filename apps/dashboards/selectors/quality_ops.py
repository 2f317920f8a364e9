"""QA page sections beside the scores: drift charts, golden-set usage, the qualification gate,
escalation rules."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Min
from django.utils import timezone

from apps.analytics.draft_review import default_params, draft_review
from apps.dashboards import figures
from apps.dashboards.cache import cached
from apps.dashboards.filters import PageFilters, PageInputError
from apps.dashboards.selectors.names import ProjectNames
from apps.dashboards.tables import Column, PageData, RowAction, Table
from apps.projects.models import Project, Qualification
from apps.workflow.models import Assignment, EscalationRule
from apps.workflow.selectors import gold_usage, qualification_progress
from apps.workflow.services.escalation import dry_run
from labelqc.rules import RuleError, validate_rule

DRIFT_KEY = re.compile(r"^(overall|annotator|cohort|class)-(\d+)$")
DRIFT_METRICS = (
    ("gold_correct", "share of gold objects labelled correctly"),
    ("iou", "mean IoU of matched objects"),
    ("size_bias", "mean size bias"),
)
DEFAULT_RULE_DAYS = 30
MAX_RULE_DAYS = 3650  # the dry-run API's own limit


def _entity_label(kind: str, entity: int, names: ProjectNames) -> str:
    if kind == "overall":
        return "whole program"
    if kind == "annotator":
        return f"annotator {names.pseudonym(entity)}"
    if kind == "cohort":
        return f"cohort {names.cohort_name(entity)}"
    return f"class {names.class_name(entity)}"


def _fired(entry: dict[str, Any]) -> bool:
    return any(
        when for metric in entry["metrics"].values() for when in metric["first_signal"].values()
    )


def drift_section(
    page: PageData, drift: dict[str, Any], names: ProjectNames, key: str | None
) -> None:
    """Control charts of one entity (picked with ?drift=kind-id) and the table of signals."""
    if key and not DRIFT_KEY.match(key):
        raise PageInputError({"drift": ["expected kind-id, e.g. annotator-5 or class-2"]})
    entities: dict[str, dict[str, Any]] = {}
    options = []
    for kind, rows in (drift.get("entities") or {}).items():
        for entry in rows:
            entity_key = f"{kind}-{entry['entity']}"
            entities[entity_key] = entry
            options.append(
                {
                    "key": entity_key,
                    "label": _entity_label(kind, int(entry["entity"]), names),
                    "fired": _fired(entry),
                }
            )
    chosen = key if key in entities else None
    if chosen is None and options:
        firing = [o for o in options if o["fired"] and not o["key"].startswith("overall")]
        chosen = (firing or options)[0]["key"]
    label = next((o["label"] for o in options if o["key"] == chosen), "")
    page.context.update(
        drift_options=options,
        drift_selected=chosen,
        # The notes name the entity as the picker does, never by its URL key.
        drift_selected_label=label,
        drift_reason=drift.get("reason"),
        drift_missing=bool(key and key not in entities),
        drift_empty=not options,
    )
    for metric, description in DRIFT_METRICS:
        entry = entities.get(chosen, {}).get("metrics", {}).get(metric) if chosen else None
        title = f"{label}: {description}" if label else description
        if entry is None:
            message = "No data for this metric." if chosen else "No drift data for these filters."
            page.figures[f"drift_{metric}"] = figures.empty(title, message)
            continue
        if entry.get("reason"):
            title = f"{title}<br><sup>{entry['reason']}</sup>"
        page.figures[f"drift_{metric}"] = figures.drift_chart(
            title, entry.get("series") or {}, entry["first_signal"]
        )
    alerts = [
        {
            "entity": _entity_label(a["kind"], int(a["entity"]), names),
            "kind": a["kind"],
            "metric": a["metric"],
            "signal": a["signal"],
            "window_start": a["window_start"],
            "link": f"{a['kind']}-{a['entity']}",
        }
        for a in drift.get("alerts") or []
    ]
    page.add(
        Table(
            "drift_signals",
            "Drift signals fired",
            [
                Column("entity", "who / what"),
                Column("metric", "metric"),
                Column("signal", "chart"),
                Column("window_start", "first fired (window)"),
            ],
            alerts,
            empty="No control chart fired.",
        )
    )


def gold_table(project_id: int, stale_days: int = 30) -> Table:
    usage = gold_usage(project_id=project_id, stale_days=stale_days)
    return Table(
        "gold",
        "Golden set: usage and staleness",
        [
            Column("item", "item", "int"),
            Column("file_name", "file"),
            Column("uses", "uses", "int"),
            Column("last_used", "last used", "date"),
            Column("mean_accuracy", "mean accuracy", "percent"),
            Column("over_used", "over-used", "bool"),
            Column("stale", f"stale (> {stale_days} d)", "bool"),
        ],
        usage["items"],
        note=(
            # :g shows a half median (6.5) as the API gives it, and 6.0 as 6.
            f"median uses {usage['median_uses']:g}; over-use limit "
            f"{usage['over_use_limit']:g}; {usage['over_used']} over-used, "
            f"{usage['stale']} stale"
        ),
        empty="No gold items in this project.",
    )


TREND_WINDOW = "7D"


def draft_section(
    page: PageData, project: Project, filters: PageFilters, names: ProjectNames
) -> None:
    """Who keeps the model's drafts as they are, and who passes wrong ones through on gold: the
    table, and each annotator's weekly pass-through."""
    params = default_params(project.pk)
    review = cached(
        "drafts",
        project,
        filters.query(),
        lambda: draft_review(
            project_id=project.pk,
            since=filters.since,
            until=filters.until,
            cohort_id=filters.cohort_id,
            class_id=filters.class_id,
            params=params,
            window=TREND_WINDOW,
        ),
    )
    series: dict[str, tuple[list[str], list[float]]] = {}
    for row in review["by_window"]:
        x, y = series.setdefault(names.pseudonym(row["annotator_id"]), ([], []))
        x.append(row["window_start"][:10])  # ISO date of the window start
        y.append(row["pass_through_rate"])
    page.figures["draft_trend"] = figures.pass_through_trend(series, params.max_pass_through)
    rows = [
        {
            **row,
            "annotator": names.pseudonym(row["annotator_id"]),
            "user": row["username"],
            "cohort": names.cohort_name(names.annotator_cohort.get(row["annotator_id"])),
            "interval": _interval(row["pass_through_low"], row["pass_through_high"]),
            "items": " ".join(str(i) for i in row["passed_items"]),
        }
        for row in review["annotators"]
    ]
    totals = review["totals"]
    rate = totals["draft_error_rate"]
    table = Table(
        "drafts",
        "Drafts: kept as is, and wrong drafts passed through (gold items)",
        [
            Column("annotator", "annotator"),
            Column("user", "user"),
            Column("cohort", "cohort"),
            Column("drafts_reviewed", "drafts reviewed", "int"),
            Column("kept_share", "kept as is", "percent"),
            Column("wrong_drafts", "wrong drafts on gold", "int"),
            Column("passed_through", "passed through", "int"),
            Column("pass_through_rate", "pass-through rate", "percent"),
            Column("interval", "95% interval"),
            Column("passed_wrong_class", "wrong class", "int"),
            Column("passed_poor_box", "poor box", "int"),
            Column("passed_spurious", "spurious", "int"),
            Column("over_trusts", "over-trusts drafts", "bool"),
            Column("items", "gold items to look at"),
        ],
        rows,
        note=(
            f"{totals['wrong_gold_drafts']} of {totals['gold_drafts']} drafts on gold items are "
            f"wrong ({'-' if rate is None else f'{100 * rate:.0f}%'}); kept = same class and "
            f"IoU >= {params.kept_iou:g} with the draft; over-trusts = the interval's lower bound "
            f"is above {100 * params.max_pass_through:.0f}% with at least "
            f"{params.min_wrong_drafts} wrong drafts"
        ),
        empty="No submissions over pre-labels for these filters.",
    )
    page.add(table)


def _interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{100 * low:.0f}\u2013{100 * high:.0f}%"


def _rule_days(project_id: int, filters: PageFilters) -> int:
    """The dry run's look-back: the filter window, else all submissions (at least 30 days)."""
    since = (
        filters.since
        or Assignment.objects.filter(project_id=project_id, submitted_at__isnull=False).aggregate(
            first=Min("submitted_at")
        )["first"]
    )
    if since is None:
        return DEFAULT_RULE_DAYS
    days = (timezone.now() - since).days + 1
    return min(MAX_RULE_DAYS, days if filters.since else max(days, DEFAULT_RULE_DAYS))


def rules_table(project_id: int, filters: PageFilters) -> Table:
    """Every rule with how many items it would have routed (a dry run over the window)."""
    days = _rule_days(project_id, filters)
    rules = list(EscalationRule.objects.filter(project_id=project_id).order_by("order", "id"))
    valid, problems = [], {}
    for rule in rules:
        try:
            validate_rule(rule.definition)
            valid.append(rule)
        except RuleError as error:
            problems[rule.pk] = str(error)
    counts: dict[str, int] = {}
    considered = 0
    if valid:
        result = dry_run(
            project_id=project_id, days=days, definitions=[(r.name, r.definition) for r in valid]
        )
        counts = {r["name"]: r["matched_items"] for r in result["rules"]}
        considered = result["items_considered"]
    rows = [
        {
            "name": rule.name,
            "enabled": rule.enabled,
            "order": rule.order,
            "actions": ", ".join(
                str(a.get("action"))
                for a in (rule.definition or {}).get("then", [])
                if isinstance(a, dict)
            )
            if isinstance(rule.definition, dict)
            else "",
            "matched_items": counts.get(rule.name),
            "problem": problems.get(rule.pk, ""),
        }
        for rule in rules
    ]
    return Table(
        "rules",
        "Escalation rules: dry run",
        [
            Column("name", "rule"),
            Column("enabled", "enabled", "bool"),
            Column("order", "order", "int"),
            Column("actions", "actions"),
            Column("matched_items", "items it would route", "int"),
            Column("problem", "problem"),
        ],
        rows,
        note=f"over the last {days} days of submissions ({considered} items considered)",
        empty="No escalation rules yet.",
    )


DECISION_URL = "/api/annotators/{annotator}/qualification/"


def qualification_table(project: Project) -> Table | None:
    """The gated annotators with their current attempt, and a manager's three decisions on each
    row; None while the project has no qualification gate."""
    if project.qualification_accuracy is None:
        return None
    rows = qualification_progress(project=project)
    for row in rows:
        row["progress"] = f"{row['gold_scored']} / {row['gold_required']}"
    return Table(
        "qualification",
        "Qualification gate",
        [
            Column("pseudonym", "annotator"),
            Column("username", "user"),
            Column("qualification", "state"),
            Column("progress", "gold scored"),
            Column("gold_accuracy", "mean accuracy", "percent"),
            Column("attempt_from", "retake since", "date"),
            Column("decided_at", "decided", "date"),
        ],
        rows,
        note=(
            f"bar {100 * project.qualification_accuracy:.1f}% mean gold accuracy; a pending "
            "annotator is decided at their next pull once every deciding item is scored; a "
            "retake counts only the gold items answered after it"
        ),
        empty="No annotators in this project.",
        actions=(
            RowAction(
                "Pass",
                DECISION_URL,
                "passed",
                body={"qualification": Qualification.PASSED.value},
                hide_if=("qualification", Qualification.PASSED.value),
            ),
            RowAction(
                "Retake",
                DECISION_URL,
                "retake granted",
                body={"qualification": "retake"},
                hide_if=("qualification", Qualification.PENDING.value),
            ),
            RowAction(
                "Fail",
                DECISION_URL,
                "failed",
                body={"qualification": Qualification.FAILED.value},
                hide_if=("qualification", Qualification.FAILED.value),
            ),
        ),
    )
