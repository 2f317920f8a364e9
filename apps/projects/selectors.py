from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import QuerySet

from apps.common.roles import GOLD_READERS
from apps.common.rows import ModelColumns, cursor, fetch_one, table
from apps.projects.models import Annotator, Cohort, LabelClass, Project

MEMBER = ModelColumns(Annotator, "m")
PROJECT = ModelColumns(Project, "p")


@cache
def _membership_sql() -> str:
    return (
        f"SELECT {MEMBER.sql}, {PROJECT.sql} FROM {table(Annotator)} m"
        f" JOIN {table(Project)} p ON p.id = m.project_id"
        " WHERE m.project_id = %s AND m.user_id = %s AND m.is_active"
    )


def membership_for(*, user: Any, project_id: int) -> Annotator | None:
    """The user's active membership, with its project (every project-scoped request asks)."""
    if not user.is_authenticated:
        return None
    found = fetch_one(_membership_sql(), [project_id, user.pk], MEMBER, PROJECT)
    if found is None:
        return None
    member, project = found
    member.project = project
    return member


def projects_visible_to(*, user: Any) -> QuerySet[Project]:
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(annotators__user=user, annotators__is_active=True).distinct()


def project_ids_managed_by(*, user: Any) -> set[int] | None:
    """Projects where the user sees the full settings (a managing role); None: every project."""
    if user.is_superuser:
        return None
    return set(
        Annotator.objects.filter(user=user, is_active=True, role__in=GOLD_READERS).values_list(
            "project_id", flat=True
        )
    )


def classes_of(*, project_id: int) -> QuerySet[LabelClass]:
    return LabelClass.objects.filter(project_id=project_id).select_related("project")


def project_class_ids(*, project_id: int) -> set[int]:
    """Ids of the project's classes (every annotation write validates against them)."""
    with cursor() as cursor_:
        cursor_.execute(f"SELECT id FROM {table(LabelClass)} WHERE project_id = %s", [project_id])
        return {row[0] for row in cursor_.fetchall()}


def class_thresholds(*, project_id: int) -> dict[int, float]:
    """Each class's matching IoU threshold, its own or the project default."""
    project = Project.objects.get(pk=project_id)
    return {
        cls.id: (
            cls.iou_threshold if cls.iou_threshold is not None else project.default_iou_threshold
        )
        for cls in LabelClass.objects.filter(project_id=project_id).only("id", "iou_threshold")
    }


def cohorts_of(*, project_id: int) -> QuerySet[Cohort]:
    return Cohort.objects.filter(project_id=project_id)


def annotators_of(*, project_id: int) -> QuerySet[Annotator]:
    return Annotator.objects.filter(project_id=project_id).select_related("user", "cohort")
