from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.projects.models import Annotator, Cohort, LabelClass, Project


def membership_for(*, user: Any, project_id: int) -> Annotator | None:
    return (
        # The project rides along: the views that need a membership nearly always need it too.
        Annotator.objects.select_related("project")
        .filter(project_id=project_id, user=user, is_active=True)
        .first()
    )


def projects_visible_to(*, user: Any) -> QuerySet[Project]:
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(annotators__user=user, annotators__is_active=True).distinct()


def classes_of(*, project_id: int) -> QuerySet[LabelClass]:
    return LabelClass.objects.filter(project_id=project_id).select_related("project")


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
