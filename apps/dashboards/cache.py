"""Caching of computed page sections, keyed by a cheap fingerprint of the project's data.

A section is recomputed whenever anything it reads changes: the fingerprint holds row counts
and latest timestamps of annotations, assignments and reviews, the class thresholds and SLAs,
and the newest report snapshot. Uses Django's default cache (per process unless configured).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, Max

from apps.annotations.models import Annotation
from apps.projects.models import LabelClass, Project
from apps.workflow.models import Assignment, ClassSla, Review

T = TypeVar("T")
TIMEOUT_SECONDS = 600


def data_fingerprint(project: Project, extra: list[Any] | None = None) -> str:
    parts: list[Any] = [project.pk, project.created_at, project.updated_at, extra]
    for model, stamp in (
        (Annotation, "updated_at"),
        (Assignment, "submitted_at"),
        (Review, "decided_at"),
    ):
        parts.append(model.objects.filter(project=project).aggregate(n=Count("id"), t=Max(stamp)))
    parts.append(
        list(LabelClass.objects.filter(project=project).values_list("id", "iou_threshold"))
    )
    parts.append(list(ClassSla.objects.filter(project=project).values_list()))
    from apps.analytics.models import QualityReport

    parts.append(
        QualityReport.objects.filter(project=project, status="succeeded").aggregate(m=Max("id"))
    )
    raw = json.dumps(parts, default=str, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def cached(
    section: str,
    project: Project,
    variant: str,
    compute: Callable[[], T],
    extra: list[Any] | None = None,
) -> T:
    """`compute()` once per (section, data fingerprint, variant); `extra` adds inputs the
    fingerprint does not cover (e.g. rate cards for cost sections)."""
    key = f"labelqc:dash:{section}:{data_fingerprint(project, extra)}:{variant}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT_SECONDS)
    return value


def changed_since(project: Project, when: Any, models: tuple = ()) -> bool:
    """Whether workflow rows (and any `models` with an `updated_at`) changed after `when`."""
    if when is None:
        return False
    stamps = [
        Annotation.objects.filter(project=project).aggregate(t=Max("updated_at"))["t"],
        Assignment.objects.filter(project=project).aggregate(t=Max("submitted_at"))["t"],
        Review.objects.filter(project=project).aggregate(t=Max("decided_at"))["t"],
        *(m.objects.filter(project=project).aggregate(t=Max("updated_at"))["t"] for m in models),
    ]
    return any(stamp is not None and stamp > when for stamp in stamps)
