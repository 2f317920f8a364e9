"""Writes for projects, classes, cohorts and memberships; each change is audited."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError

from apps.audit.services import audit, audited_change, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.projects.models import Annotator, Cohort, LabelClass, Project

User = get_user_model()

PROJECT_FIELDS = (
    "name",
    "description",
    "default_iou_threshold",
    "target_iaa",
    "overlap",
    "honeypot_initial_count",
    "honeypot_rate",
    "lease_minutes",
    "settings",
    "gold_target_accuracy",
    "qualification_accuracy",
    "review_share",
    "effort_approved_iou",
    "effort_minor_iou",
)


def _check_effort_bands(project: Project) -> None:
    """The minor-edit IoU band sits below the approved-as-is one, whichever of them changed."""
    if project.effort_minor_iou > project.effort_approved_iou:
        raise ServiceValidationError(
            "must not exceed effort_approved_iou",
            field="effort_minor_iou",
        )


@transaction.atomic
def project_create(*, actor: Any, data: dict[str, Any]) -> Project:
    if Project.objects.filter(name=data["name"]).exists():
        raise ServiceValidationError("a project with this name already exists", field="name")
    project = Project(**{k: v for k, v in data.items() if k in PROJECT_FIELDS})
    _check_effort_bands(project)
    project.save()
    audit(
        actor=actor,
        project=project,
        action="project.create",
        entity=project,
        after=snapshot(project),
    )
    return project


@transaction.atomic
def project_update(*, actor: Any, project: Project, data: dict[str, Any]) -> Project:
    if "name" in data and Project.objects.exclude(pk=project.pk).filter(name=data["name"]).exists():
        raise ServiceValidationError("a project with this name already exists", field="name")
    with audited_change(actor=actor, action="project.update", entity=project):
        for key, value in data.items():
            if key in PROJECT_FIELDS:
                setattr(project, key, value)
        _check_effort_bands(project)
        project.save()
    return project


@transaction.atomic
def label_class_create(*, actor: Any, project_id: int, data: dict[str, Any]) -> LabelClass:
    parent = data.get("parent")
    if parent is not None and parent.project_id != project_id:
        raise ServiceValidationError("parent class belongs to another project", field="parent")
    if LabelClass.objects.filter(project_id=project_id, name=data["name"]).exists():
        raise ServiceValidationError("a class with this name already exists", field="name")
    label_class = LabelClass.objects.create(project_id=project_id, **data)
    audit(
        actor=actor,
        project_id=project_id,
        action="class.create",
        entity=label_class,
        after=snapshot(label_class),
    )
    return label_class


@transaction.atomic
def label_class_update(*, actor: Any, label_class: LabelClass, data: dict[str, Any]) -> LabelClass:
    parent = data.get("parent", label_class.parent)
    if parent is not None:
        if parent.project_id != label_class.project_id:
            raise ServiceValidationError("parent class belongs to another project", field="parent")
        ancestor = parent
        while ancestor is not None:
            if ancestor.pk == label_class.pk:
                raise ServiceValidationError("a class cannot be its own ancestor", field="parent")
            ancestor = ancestor.parent
    name = data.get("name")
    if (
        name
        and LabelClass.objects.filter(project_id=label_class.project_id, name=name)
        .exclude(pk=label_class.pk)
        .exists()
    ):
        raise ServiceValidationError("a class with this name already exists", field="name")
    with audited_change(actor=actor, action="class.update", entity=label_class):
        for key, value in data.items():
            setattr(label_class, key, value)
        label_class.save()
    return label_class


@transaction.atomic
def cohort_create(*, actor: Any, project_id: int, data: dict[str, Any]) -> Cohort:
    if Cohort.objects.filter(project_id=project_id, name=data["name"]).exists():
        raise ServiceValidationError("a cohort with this name already exists", field="name")
    cohort = Cohort.objects.create(project_id=project_id, **data)
    audit(
        actor=actor,
        project_id=project_id,
        action="cohort.create",
        entity=cohort,
        after=snapshot(cohort),
    )
    return cohort


@transaction.atomic
def annotator_add(
    *, actor: Any, project_id: int, user: Any, role: str, cohort: Cohort | None = None
) -> Annotator:
    if cohort is not None and cohort.project_id != project_id:
        raise ServiceValidationError("cohort belongs to another project", field="cohort")
    try:
        with transaction.atomic():
            member = Annotator.objects.create(
                project_id=project_id,
                user=user,
                role=role,
                cohort=cohort,
                pseudonym=f"A-{secrets.token_hex(3)}",
            )
    except IntegrityError as exc:
        raise ServiceValidationError(
            "this user is already a member of the project", field="user"
        ) from exc
    audit(
        actor=actor,
        project_id=project_id,
        action="member.add",
        entity=member,
        after=snapshot(member),
    )
    return member


@transaction.atomic
def annotator_update(*, actor: Any, member: Annotator, data: dict[str, Any]) -> Annotator:
    cohort = data.get("cohort")
    if cohort is not None and cohort.project_id != member.project_id:
        raise ServiceValidationError("cohort belongs to another project", field="cohort")
    with audited_change(actor=actor, action="member.update", entity=member):
        for key, value in data.items():
            setattr(member, key, value)
        member.save()
    return member


def _delete_protected(instance: Any, what: str) -> None:
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ServiceValidationError(f"this {what} is still in use and cannot be deleted") from exc


@transaction.atomic
def project_delete(*, actor: Any, project: Project) -> None:
    """Delete a project and everything in it (annotations and work first: they protect classes)."""
    from apps.annotations.models import Annotation
    from apps.workflow.models import Assignment

    audit(
        actor=actor, project=None, action="project.delete", entity=project, before=snapshot(project)
    )
    Annotation.objects.filter(project=project).delete()
    Assignment.objects.filter(project=project).delete()
    project.delete()


@transaction.atomic
def label_class_delete(*, actor: Any, label_class: LabelClass) -> None:
    before = snapshot(label_class)
    pk, project_id = label_class.pk, label_class.project_id
    _delete_protected(label_class, "class (annotations or child classes use it)")
    label_class.pk = pk
    audit(
        actor=actor, project_id=project_id, action="class.delete", entity=label_class, before=before
    )


@transaction.atomic
def cohort_update(*, actor: Any, cohort: Cohort, data: dict[str, Any]) -> Cohort:
    name = data.get("name")
    if (
        name
        and Cohort.objects.filter(project_id=cohort.project_id, name=name)
        .exclude(pk=cohort.pk)
        .exists()
    ):
        raise ServiceValidationError("a cohort with this name already exists", field="name")
    with audited_change(actor=actor, action="cohort.update", entity=cohort):
        for key, value in data.items():
            setattr(cohort, key, value)
        cohort.save()
    return cohort


@transaction.atomic
def cohort_delete(*, actor: Any, cohort: Cohort) -> None:
    audit(
        actor=actor,
        project_id=cohort.project_id,
        action="cohort.delete",
        entity=cohort,
        before=snapshot(cohort),
    )
    cohort.delete()
