"""QA manager page data: annotator / cohort scores, class IoU, agreement, confusion, drift.

The numbers come from the quality report (labelqc.report): the latest stored snapshot
(apps.analytics.selectors.latest_report) when the page is unfiltered, otherwise computed now
from the project's frames with the same parameters the snapshot service uses, so both agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from apps.analytics.models import QualityReport
from apps.analytics.selectors import latest_report
from apps.analytics.services import report_params, shard_frames_from_db
from apps.common.spreadsheets import formula_safe
from apps.dashboards import figures
from apps.dashboards.cache import cached, changed_since
from apps.dashboards.filters import PageFilters
from apps.dashboards.selectors.names import ProjectNames, project_names
from apps.dashboards.selectors.quality_ops import (
    draft_section,
    drift_section,
    gold_table,
    qualification_table,
    rules_table,
)
from apps.dashboards.tables import Column, PageData, Table
from apps.items.models import Item
from apps.projects.models import Project
from apps.workflow.models import Assignment
from labelqc.agreement.grid import agreement_grid
from labelqc.quality import histogram_quantile
from labelqc.report import quality_report

SCORE_COLUMNS = [
    Column("n_items", "gold items", "int"),
    Column("accuracy", "gold accuracy", "percent"),
    Column("precision", "precision", "percent"),
    Column("recall", "recall", "percent"),
    Column("iou_median", "median IoU", "number"),
    Column("iou_p10", "p10 IoU", "number"),
    Column("size_bias_mean", "size bias", "number"),
    Column("size_bias_var", "size bias var.", "number", 4),
    Column("missing_rate", "missing rate", "percent"),
    Column("rework_rate", "rework rate", "percent"),
]


def _report_filters(filters: PageFilters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if filters.since:
        out["since"] = filters.since.isoformat()
    if filters.until:
        out["until"] = filters.until.isoformat()
    if filters.class_ids:
        out["class_ids"] = filters.class_ids
    if filters.cohort_ids:
        out["cohort_ids"] = filters.cohort_ids
    return out


def load_report(project: Project, filters: PageFilters) -> tuple[dict[str, Any], dict, Any]:
    """(report result, where it came from, the report frames the page also needs)."""
    probe = QualityReport(project=project, filters=_report_filters(filters), params={})
    frames = shard_frames_from_db(probe, None)
    snapshot = None if filters.active else latest_report(project.pk)
    if snapshot is not None and snapshot.result:
        source = {
            "kind": "snapshot",
            "report": snapshot.pk,
            "at": snapshot.finished_at,
            "stale": changed_since(project, snapshot.finished_at),
        }
        return snapshot.result, source, frames
    result = quality_report(frames, report_params(project, "1D")).to_dict()
    return result, {"kind": "live", "report": None, "at": None}, frames


def _missing_rates(rows: list[dict[str, Any]]) -> dict[int, float | None]:
    totals: dict[int, list[int]] = {}
    for row in rows:
        pair = totals.setdefault(int(row["entity"]), [0, 0])
        pair[0] += int(row["n_missed"])
        pair[1] += int(row["n_instances"])
    return {entity: (m / n if n else None) for entity, (m, n) in totals.items()}


def _rework_rates(project_id: int, filters: PageFilters, names: ProjectNames) -> dict:
    """Share of each annotator's (and cohort's) submissions sent back at least once."""
    query = Assignment.objects.filter(
        project_id=project_id, is_gold=False, submitted_at__isnull=False, annotator__isnull=False
    )
    if filters.since:
        query = query.filter(submitted_at__gte=filters.since)
    if filters.until:
        query = query.filter(submitted_at__lt=filters.until)
    if filters.cohort_id:
        query = query.filter(annotator__cohort_id=filters.cohort_id)
    frame = pd.DataFrame(
        list(query.values_list("annotator_id", "rework_cycles")), columns=["who", "cycles"]
    )
    if frame.empty:
        return {"annotator": {}, "cohort": {}}
    frame["reworked"] = frame["cycles"] > 0
    frame["cohort"] = frame["who"].map(names.annotator_cohort)
    return {
        "annotator": frame.groupby("who")["reworked"].mean().to_dict(),
        "cohort": frame.dropna(subset=["cohort"]).groupby("cohort")["reworked"].mean().to_dict(),
    }


def score_tables(result: dict, names: ProjectNames, rework: dict) -> tuple[Table, Table]:
    missing = {
        kind: _missing_rates(result["missing_by_density"].get(kind, []))
        for kind in ("annotator", "cohort")
    }
    annotators, cohorts = [], []
    for row in result["scores"].get("annotator", []):
        who = int(row["entity"])
        annotators.append(
            {
                **row,
                "annotator": names.pseudonym(who),
                "user": names.username(who),
                "cohort": names.cohort_name(names.annotator_cohort.get(who)),
                "missing_rate": missing["annotator"].get(who),
                "rework_rate": rework["annotator"].get(who),
            }
        )
    for row in result["scores"].get("cohort", []):
        cohort = int(row["entity"])
        cohorts.append(
            {
                **row,
                "cohort": names.cohort_name(cohort),
                "vendor": names.cohort_vendor.get(cohort, ""),
                "missing_rate": missing["cohort"].get(cohort),
                "rework_rate": rework["cohort"].get(cohort),
            }
        )
    who = [Column("annotator", "annotator"), Column("user", "user"), Column("cohort", "cohort")]
    return (
        Table("annotators", "Annotators against gold", who + SCORE_COLUMNS, annotators),
        Table(
            "cohorts",
            "Cohorts against gold",
            [Column("cohort", "cohort"), Column("vendor", "vendor"), *SCORE_COLUMNS],
            cohorts,
        ),
    )


def class_rows(result: dict, names: ProjectNames, grid: dict) -> list[dict[str, Any]]:
    scores = {int(r["entity"]): r for r in result["scores"].get("class", [])}
    alphas = {r["class_id"]: r for r in grid.get("by_class", []) if r["class_id"] is not None}
    thresholds = names.class_threshold
    rows = []
    for entry in result.get("class_iou", []):
        class_id = int(entry["class_id"])
        histogram = np.asarray([entry["histogram"]], dtype=np.int64)
        q1, q3 = (float(histogram_quantile(histogram, q)[0]) for q in (0.25, 0.75))
        score = scores.get(class_id, {})
        alpha = alphas.get(class_id, {})
        rows.append(
            {
                "class_id": class_id,
                "name": names.class_name(class_id),
                "n": entry["n_pairs"],
                "mean": entry["iou_mean"],
                "median": entry["iou_median"],
                "p10": entry["iou_p10"],
                "p90": score.get("iou_p90"),
                "q1": None if np.isnan(q1) else q1,
                "q3": None if np.isnan(q3) else q3,
                "threshold": thresholds.get(class_id, entry["iou_sla"]),
                "iou_sla": entry["iou_sla"],
                "share_below_sla": entry["share_below_sla"],
                "median_below_sla": entry["median_below_sla"],
                "precision": score.get("precision"),
                "recall": score.get("recall"),
                "alpha": alpha.get("alpha"),
                "alpha_ci_low": alpha.get("ci_low"),
                "alpha_ci_high": alpha.get("ci_high"),
            }
        )
    return rows


CLASS_COLUMNS = [
    Column("name", "class"),
    Column("n", "matched pairs", "int"),
    Column("median", "median IoU", "number"),
    Column("p10", "p10 IoU", "number"),
    Column("threshold", "IoU threshold", "number", 2),
    Column("share_below_sla", "below SLA", "percent"),
    Column("median_below_sla", "median below SLA", "bool"),
    Column("precision", "precision", "percent"),
    Column("recall", "recall", "percent"),
    Column("alpha", "alpha", "number"),
    Column("alpha_ci_low", "alpha CI low", "number"),
    Column("alpha_ci_high", "alpha CI high", "number"),
]


def _confusion_keys(labels: list[str]) -> list[str]:
    """Column keys (the CSV header) named after the annotated classes: unique beside "gold"
    and each other, and escaped, because csv_response writes keys as they are."""
    keys: list[str] = []
    taken = {"gold"}
    for label in labels:
        base = key = str(formula_safe(label))
        copy = 2
        while key in taken:
            key = f"{base} ({copy})"
            copy += 1
        taken.add(key)
        keys.append(key)
    return keys


def confusion_table(result: dict, names: ProjectNames) -> tuple[Table, list[str], list]:
    confusion = result.get("confusion") or {"labels": [], "matrix": []}
    labels = [
        label if label == "unmatched" else names.class_name(int(label))
        for label in confusion["labels"]
    ]
    keys = _confusion_keys(labels)
    rows = [
        {"gold": gold, **dict(zip(keys, values, strict=True))}
        for gold, values in zip(labels, confusion["matrix"], strict=True)
    ]
    columns = [Column("gold", "gold \\ annotated")] + [
        Column(key, label, "int") for key, label in zip(keys, labels, strict=True)
    ]
    table = Table("confusion", "Confusion matrix", columns, rows, note="rows: gold class")
    return table, labels, confusion["matrix"]


def _scene_tags(project_id: int) -> pd.DataFrame:
    rows = list(Item.objects.filter(project_id=project_id).values_list("id", "scene_tags"))
    return pd.DataFrame(rows, columns=["item_id", "scene_tags"])


def _computed(project: Project, filters: PageFilters) -> tuple[dict, dict, dict]:
    """The expensive part of the page: the report (or its snapshot) and agreement with CIs."""
    result, source, frames = load_report(project, filters)
    iaa_threshold = float(result.get("params", {}).get("iaa_iou_threshold", 0.5))
    grid = agreement_grid(
        frames.annotations,
        _scene_tags(project.pk),
        project_names(project.pk).class_names,
        iou_threshold=iaa_threshold,
    )
    return result, source, grid


def qa_page(project: Project, filters: PageFilters, drift_key: str | None) -> PageData:
    names = project_names(project.pk)
    result, source, grid = cached(
        "qa", project, filters.query(), lambda: _computed(project, filters)
    )
    page = PageData(context={"source": source, "totals": result.get("totals", {})})
    annotators, cohorts = score_tables(result, names, _rework_rates(project.pk, filters, names))
    page.add(annotators)
    page.add(cohorts)
    rows = class_rows(result, names, grid)
    page.add(Table("classes", "Classes: IoU against gold and agreement", CLASS_COLUMNS, rows))
    page.figures["iou_boxes"] = figures.iou_boxes(rows)
    page.figures["iaa_bars"] = figures.iaa_bars(grid["by_class"], project.target_iaa)
    page.figures["iaa_heatmap"] = figures.iaa_heatmap(
        grid["classes"], grid["scenes"], grid["cells"]
    )
    page.context["agreement"] = result.get("agreement", {})
    table, labels, matrix = confusion_table(result, names)
    page.add(table)
    page.figures["confusion"] = figures.confusion(labels, matrix)
    drift_section(page, result.get("drift", {}), names, drift_key)
    page.add(gold_table(project.pk))
    qualification = qualification_table(project)
    if qualification is not None:
        page.add(qualification)
    draft_section(page, project, filters, names)
    page.add(rules_table(project.pk, filters))
    return page
