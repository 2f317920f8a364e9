"""Fault flags: labelqc.catch's QA signals over a project's own rows, stored as snapshots.

A run (``fault_flags_start``) resolves its decision rules in layers: the ``CatchRules``
defaults, then the project's stored overrides (``Project.settings["fault_rules"]``), then the
request's; every layer is validated through the CatchRules dataclasses, so a bad value is a 400
naming the field (``rules.size_bias.band``, ``settings.fault_rules.drift.window``). The Celery
task ``labelqc.analytics.fault_flags`` claims the run's job, builds the ``ServiceView`` the
detector accepts from the project's rows (each annotator's submitted assignments in queue order
by leased_at / submitted_at, their labels, and gold truth only of gold items served as
honeypots), runs ``detect`` and stores JSON-ready flags per annotator (pseudonym, cohort) and
per class. Each annotator episode records one workflow Alert (kind ``fault_flag``, keyed by
annotator, signal and the assignment the episode started at), so re-runs record nothing twice.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from celery import shared_task
from django.db import transaction
from django.utils import timezone
from pandas.tseries.frequencies import to_offset

from apps.analytics.frames import project_frames
from apps.analytics.models import FaultFlagRun
from apps.audit.services import audit
from apps.common.exceptions import ServiceValidationError
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.models import Job
from apps.jobs.services import job_claim, job_create, job_finish
from apps.projects.models import Cohort, LabelClass, Project
from apps.workflow.models import Alert, Assignment, AssignmentStatus
from apps.workflow.services.alerts import resolve_superseded
from labelqc.catch import CatchRuleError, CatchRules, CatchRun, ServiceView, detect

logger = logging.getLogger("labelqc.analytics")

SETTINGS_KEY = "fault_rules"
JOB_KIND = "analytics.fault_flags"
ALERT_KIND = "fault_flag"
MIN_DRIFT_WINDOW = pd.Timedelta(hours=1)
RULE_NAMES = tuple(f.name for f in fields(CatchRules))
TIME_FIELDS = ("leased_at", "submitted_at", "created_at")
QUEUE_FIELDS = ("id", "item_id", "annotator_id", "is_gold", *TIME_FIELDS)
LABEL_COLUMNS = ["item_id", "annotator_id", "class_id", "x", "y", "w", "h", "area", "created_at"]
GOLD_COLUMNS = ["item_id", "class_id", "x", "y", "w", "h", "area", "occluded", "truncated"]


def _fixed_window(value: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return pd.Timedelta(to_offset(value)) >= MIN_DRIFT_WINDOW
    except (ValueError, TypeError):
        return False


def _typed(path: str, value: Any, default: Any) -> Any:
    """``value`` checked against the type of the rule's default (JSON gives ints for floats)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, bool):
        ok, expected = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, expected = number and isinstance(value, int), "an integer"
    elif isinstance(default, float):
        ok, expected = number and math.isfinite(value), "a number"
        value = float(value) if ok else value
    else:
        ok = isinstance(value, str) and _fixed_window(value)
        expected = "a fixed-length window of at least 1 hour, such as '1D' or '12h'"
    if not ok:
        raise ServiceValidationError({path: [f"expected {expected}, got {value!r}"]})
    return value


def _build(overrides: dict[str, Any], prefix: str) -> CatchRules:
    """CatchRules from checked overrides; a domain error names the field under ``prefix``."""
    defaults, kwargs = CatchRules(), dict(overrides)
    try:
        for name, value in overrides.items():
            if isinstance(value, dict):
                kwargs[name] = replace(getattr(defaults, name), **value)
        return CatchRules(**kwargs)
    except CatchRuleError as exc:
        field, _, message = str(exc).partition(": ")
        raise ServiceValidationError({f"{prefix}.{field}": [message]}) from exc


def check_overrides(overrides: Any, prefix: str) -> dict[str, Any]:
    """Rule overrides ``{rule: {threshold: value}, scalar: value}``, typed and validated."""
    if not isinstance(overrides, dict):
        raise ServiceValidationError({prefix: ["expected an object of rule overrides"]})
    defaults, checked = CatchRules(), {}
    for name, value in overrides.items():
        path = f"{prefix}.{name}"
        if name not in RULE_NAMES:
            raise ServiceValidationError({path: [f"unknown rule; known: {', '.join(RULE_NAMES)}"]})
        default = getattr(defaults, name)
        if not is_dataclass(default):
            checked[name] = _typed(path, value, default)
            continue
        if not isinstance(value, dict):
            raise ServiceValidationError({path: ["expected an object of thresholds"]})
        known = [f.name for f in fields(default)]
        unknown = [key for key in value if key not in known]
        if unknown:
            message = f"unknown threshold; known: {', '.join(known)}"
            raise ServiceValidationError({f"{path}.{unknown[0]}": [message]})
        checked[name] = {k: _typed(f"{path}.{k}", v, getattr(default, k)) for k, v in value.items()}
    _build(checked, prefix)
    return checked


def resolve_rules(
    project: Project, overrides: dict[str, Any] | None = None
) -> tuple[CatchRules, dict[str, Any]]:
    """Defaults < the project's stored overrides < ``overrides``; returns the rules and the
    merged overrides."""
    stored = check_overrides(
        (project.settings or {}).get(SETTINGS_KEY) or {}, f"settings.{SETTINGS_KEY}"
    )
    requested = check_overrides(overrides or {}, "rules")
    merged = dict(stored)
    for name, value in requested.items():
        merged[name] = {**merged.get(name, {}), **value} if isinstance(value, dict) else value
    return _build(merged, "rules"), merged


@dataclass(frozen=True)
class ProjectView:
    """What the detector reads, plus the names the flags are shown with."""

    view: ServiceView
    annotators: pd.DataFrame  # annotator_id, pseudonym, cohort_id, cohort
    classes: dict[int, str]


def _queue(project_id: int) -> pd.DataFrame:
    """Submitted assignments in each annotator's queue order (leased, else submitted, time)."""
    rows = Assignment.objects.filter(
        project_id=project_id, status=AssignmentStatus.SUBMITTED, annotator__isnull=False
    ).values_list(*QUEUE_FIELDS)
    queue = pd.DataFrame(list(rows), columns=list(QUEUE_FIELDS))
    times = {name: pd.to_datetime(queue[name], utc=True) for name in TIME_FIELDS}
    started = times["leased_at"].fillna(times["submitted_at"]).fillna(times["created_at"])
    queue = pd.DataFrame(
        {
            "task_id": queue["id"].to_numpy(dtype=np.int64),
            "item_id": queue["item_id"].to_numpy(dtype=np.int64),
            "annotator_id": queue["annotator_id"].to_numpy(dtype=np.int64),
            "is_gold": queue["is_gold"].to_numpy(dtype=bool),
            "started_at": started,
            "submitted_at": times["submitted_at"],
        }
    )
    queue = queue.sort_values(
        ["annotator_id", "started_at", "submitted_at", "task_id"], kind="stable"
    ).reset_index(drop=True)
    queue["seq_index"] = queue.groupby("annotator_id").cumcount().astype(np.int64)
    return queue.drop(columns="submitted_at")


def project_view(project_id: int) -> ProjectView:
    """The project's rows as a ``ServiceView`` (labels of submitted work only)."""
    frames = project_frames(project_id=project_id)
    tasks = _queue(project_id)
    labels = frames.annotations.loc[:, LABEL_COLUMNS].merge(
        tasks[["item_id", "annotator_id", "task_id"]], on=["item_id", "annotator_id"]
    )
    served = tasks.loc[tasks["is_gold"], "item_id"].unique()
    gold = frames.gold.loc[frames.gold["item_id"].isin(served), GOLD_COLUMNS]
    cohorts = dict(Cohort.objects.filter(project_id=project_id).values_list("id", "name"))
    annotators = frames.annotators.assign(
        cohort=[cohorts.get(c) for c in frames.annotators["cohort_id"]]
    )
    classes = dict(LabelClass.objects.filter(project_id=project_id).values_list("id", "name"))
    view = ServiceView(tasks=tasks, annotations=labels.reset_index(drop=True), gold=gold)
    return ProjectView(view=view, annotators=annotators, classes=classes)


def _number(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _annotator_flags(run: CatchRun, pv: ProjectView) -> list[dict[str, Any]]:
    tasks = pv.view.tasks.set_index(["annotator_id", "seq_index"])
    last = pv.view.tasks.groupby("annotator_id")["seq_index"].max()
    episodes: dict[int, list[dict[str, Any]]] = {}
    for e in run.episodes.sort_values(["start_at", "signal"], kind="stable").itertuples():
        annotator, start = int(e.annotator_id), tasks.loc[(e.annotator_id, e.start_seq)]
        episodes.setdefault(annotator, []).append(
            {
                "signal": e.signal,
                "start_seq": int(e.start_seq),
                "end_seq": int(e.end_seq),
                "start_at": e.start_at.isoformat(),
                "end_at": tasks.loc[(e.annotator_id, e.end_seq), "started_at"].isoformat(),
                "ongoing": int(e.end_seq) == int(last[annotator]),
                "start_assignment": int(start["task_id"]),
                "start_item": int(start["item_id"]),
                "value": _number(e.value),
                "bound": _number(e.bound),
                "detail": str(e.detail),
            }
        )
    names = pv.annotators.set_index("annotator_id")
    out = []
    for row in run.annotators.itertuples():
        annotator = int(row.annotator_id)
        found = episodes.get(annotator, [])
        known = annotator in names.index
        cohort_id = names.at[annotator, "cohort_id"] if known else None
        out.append(
            {
                "annotator_id": annotator,
                "pseudonym": names.at[annotator, "pseudonym"] if known else "",
                "cohort_id": None if cohort_id is None or pd.isna(cohort_id) else int(cohort_id),
                "cohort": names.at[annotator, "cohort"] if known else None,
                "n_tasks": int(row.n_tasks),
                "flagged": bool(found),
                "ongoing": any(e["ongoing"] for e in found),
                "signals": sorted({e["signal"] for e in found}),
                "first_flagged_at": found[0]["start_at"] if found else None,
                "episodes": found,
            }
        )
    return sorted(
        out, key=lambda a: (not a["flagged"], a["first_flagged_at"] or "", a["pseudonym"])
    )


def _class_flags(run: CatchRun, pv: ProjectView) -> list[dict[str, Any]]:
    episodes: dict[int, list[dict[str, Any]]] = {}
    for e in run.class_episodes.sort_values("start_at", kind="stable").itertuples():
        episodes.setdefault(int(e.class_id), []).append(
            {
                "signal": "ambiguous_class",
                "start_items": int(e.start_items),
                "start_at": e.start_at.isoformat(),
                "value": _number(e.value),
                "n_values": int(e.n_values),
                "bound": _number(e.bound),
            }
        )
    out = [
        {
            "class_id": cid,
            "name": name,
            "flagged": cid in episodes,
            "episodes": episodes.get(cid, []),
        }
        for cid, name in pv.classes.items()
    ]
    return sorted(out, key=lambda c: (not c["flagged"], c["class_id"]))


def compute_flags(project_id: int, rules: CatchRules) -> dict[str, Any]:
    """Run the detector over the project's rows; the JSON-ready flags."""
    pv = project_view(project_id)
    run = detect(pv.view, rules)
    annotators, classes = _annotator_flags(run, pv), _class_flags(run, pv)
    view = pv.view
    return {
        "as_of": timezone.now().isoformat(),
        "counts": {
            "annotators": len(annotators),
            "flagged_annotators": sum(a["flagged"] for a in annotators),
            "flagged_classes": sum(c["flagged"] for c in classes),
            "assignments": len(view.tasks),
            "honeypots": int(view.tasks["is_gold"].sum()),
            "labels": len(view.annotations),
            "gold_objects": len(view.gold),
            "episodes": {k: int(v) for k, v in run.episodes["signal"].value_counts().items()},
        },
        "annotators": annotators,
        "classes": classes,
        "timings": {k: round(v, 3) for k, v in run.timings.items()},
    }


def record_alerts(run: FaultFlagRun, annotators: list[dict[str, Any]], actor: Any) -> dict:
    """One Alert per (annotator, signal, episode start); keys already there are left alone. An
    episode that has ended (the signal stopped firing while the annotator kept working) has its
    alert resolved, so open alerts are the annotators who are off now. Only a run with the
    project's own rules touches alerts: one with unsaved overrides is a what-if, and its flags
    say what those rules would catch, not who is off."""
    _, own_rules = resolve_rules(Project.objects.get(pk=run.project_id), None)
    if run.params.get("overrides", {}) != own_rules:
        return {"created": 0, "existing": 0, "resolved": 0, "what_if": True}
    wanted: dict[str, Alert] = {}
    ended: list[str] = []
    for a in annotators:
        for e in a["episodes"]:
            key = f"annotator:{a['annotator_id']}:{e['signal']}:assignment:{e['start_assignment']}"
            if not e["ongoing"]:
                ended.append(key)
            wanted[key] = Alert(
                project_id=run.project_id,
                kind=ALERT_KIND,
                key=key,
                message=(
                    f"{a['pseudonym'] or a['annotator_id']} flagged by {e['signal']} since queue "
                    f"item {e['start_seq'] + 1} ({e['start_at'][:10]}): {e['detail']}"
                ),
                details={"run": run.pk, "annotator": a["annotator_id"], **e},
                created_by=actor,
            )
    existing = set(
        Alert.objects.filter(
            project_id=run.project_id, kind=ALERT_KIND, key__in=list(wanted)
        ).values_list("key", flat=True)
    )
    new = [alert for key, alert in wanted.items() if key not in existing]
    Alert.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    resolved = resolve_superseded(
        project_id=run.project_id,
        kind=ALERT_KIND,
        resolution=f"the episode ended (fault-flag run {run.pk})",
        keys=ended,
    )
    return {"created": len(new), "existing": len(existing), "resolved": resolved}


def _save_rules(actor: Any, project_id: int, merged: dict[str, Any]) -> None:
    project = Project.objects.select_for_update().get(pk=project_id)
    before = {SETTINGS_KEY: (project.settings or {}).get(SETTINGS_KEY)}
    project.settings = {**(project.settings or {}), SETTINGS_KEY: merged}
    project.save(update_fields=["settings", "updated_at"])
    audit(
        actor=actor,
        project=project,
        action="project.fault_rules",
        entity=project,
        before=before,
        after={SETTINGS_KEY: merged},
    )


def fault_flags_start(
    *, actor: Any, project_id: int, overrides: dict[str, Any] | None, save_rules: bool = False
) -> Job:
    """Validate the rules, create the run and its job; the detector runs in Celery after commit."""
    rules, merged = resolve_rules(Project.objects.get(pk=project_id), overrides)
    with transaction.atomic():
        if save_rules:
            _save_rules(actor, project_id, merged)
        job = job_create(kind=JOB_KIND, project_id=project_id, actor=actor)
        run = FaultFlagRun.objects.create(
            project_id=project_id, params={"rules": rules.to_dict(), "overrides": merged}, job=job
        )
        job.params = {"run": run.pk, "overrides": merged, "saved": save_rules}
        job.save(update_fields=["params"])
        job_send_on_commit(job)
    return job


def _errors(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, ServiceValidationError):
        return [{"field": k, "messages": v} for k, v in exc.errors.items()]
    if isinstance(exc, ValueError):  # the detector's input errors name the frame and column
        return [{"field": "non_field_errors", "messages": [str(exc)]}]
    return [{"field": "non_field_errors", "messages": [f"internal error ({type(exc).__name__})"]}]


def fault_flags_run(run_id: int) -> FaultFlagRun:
    """Claim the run's job, detect, store the flags and alerts once (a re-run does nothing)."""
    run = FaultFlagRun.objects.select_related("job").get(pk=run_id)
    if run.job_id is None or job_claim(run.job_id) is None:
        return run
    result: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = []
    try:
        result = compute_flags(run.project_id, _build(run.params.get("overrides", {}), "rules"))
    except Exception as exc:  # the job must end failed, not stay running
        logger.exception("fault flags run %s failed", run.pk)
        errors = _errors(exc)
    summary: dict[str, Any] = {"run": run.pk}
    with transaction.atomic():
        if result is not None:
            result["alerts"] = record_alerts(run, result["annotators"], run.job.created_by)
            FaultFlagRun.objects.filter(pk=run.pk, result__isnull=True).update(result=result)
            summary.update(
                flagged_annotators=result["counts"]["flagged_annotators"],
                flagged_classes=result["counts"]["flagged_classes"],
                alerts_created=result["alerts"]["created"],
            )
        job_finish(run.job_id, result=summary, errors=errors, failed=bool(errors))
    run.refresh_from_db()
    return run


def latest_run(project_id: int) -> FaultFlagRun | None:
    """The newest run of the project that finished with flags."""
    finished = FaultFlagRun.objects.filter(project_id=project_id, result__isnull=False)
    return finished.select_related("job").first()


@shared_task(name="labelqc.analytics.fault_flags", acks_late=True)
def fault_flags(run_id: int) -> None:
    fault_flags_run(run_id)
