from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.exceptions import ServiceValidationError
from apps.common.pagination import DefaultPagination
from apps.common.permissions import AUTHENTICATED
from apps.common.roles import ADMINS, ALL_ROLES, GOLD_READERS, LEADS, MANAGERS, Role
from apps.common.views import RoleScopedApi
from apps.projects import selectors, services
from apps.projects.models import Annotator, Cohort, LabelClass, Project
from apps.projects.serializers import (
    AnnotatorInput,
    AnnotatorOutput,
    AnnotatorUpdateInput,
    CohortInput,
    CohortOutput,
    LabelClassInput,
    LabelClassOutput,
    LabelClassUpdateInput,
    ProjectInput,
    ProjectOutput,
    ProjectSummaryOutput,
    ProjectUpdateInput,
    project_for_role_output,
)


class ProjectListApi(RoleScopedApi):
    access = {"GET": AUTHENTICATED, "POST": AUTHENTICATED}

    @extend_schema(responses=project_for_role_output(many=True))
    def get(self, request: Request) -> Response:
        """Projects the caller is an active member of (every project for superusers); paginated.
        Full settings where the caller manages the project, a summary elsewhere."""
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(
            selectors.projects_visible_to(user=request.user), request, view=self
        )
        managed = selectors.project_ids_managed_by(user=request.user)
        data = [project_output(p, full=managed is None or p.pk in managed) for p in page]
        return paginator.get_paginated_response(data)

    @extend_schema(request=ProjectInput, responses={201: ProjectOutput})
    def post(self, request: Request) -> Response:
        """Create a project: site staff and superusers only (403 for anyone else). Names are unique
        (400); the creator is not made a member."""
        if not (request.user.is_staff or request.user.is_superuser):
            raise PermissionDenied("Only site staff create projects.")
        payload = ProjectInput(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.project_create(actor=request.user, data=payload.validated_data)
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(RoleScopedApi):
    access = {"GET": ALL_ROLES, "PATCH": LEADS, "DELETE": ADMINS}

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int) -> Response:
        """Delete the project and everything in it: items, annotations, work, reports. Audited."""
        services.project_delete(actor=request.user, project=Project.objects.get(pk=self.project_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=project_for_role_output())
    def get(self, request: Request, project_id: int) -> Response:
        """One project: with its settings for QA managers, leads and admins; the summary (no
        gold, honeypot, review or fault settings) for annotators, reviewers and finance."""
        project = Project.objects.get(pk=self.project_id)
        return Response(project_output(project, full=self.get_role(request) in GOLD_READERS))

    @extend_schema(request=ProjectUpdateInput, responses=ProjectOutput)
    def patch(self, request: Request, project_id: int) -> Response:
        """Change the project's name, description or parameters; names stay unique (400).
        Audited."""
        payload = ProjectUpdateInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        project = services.project_update(
            actor=request.user,
            project=Project.objects.get(pk=self.project_id),
            data=payload.validated_data,
        )
        return Response(ProjectOutput(project).data)


def project_output(project: Project, *, full: bool) -> dict:
    return (ProjectOutput if full else ProjectSummaryOutput)(project).data


def _class_parent(project_id: int, data: dict) -> dict:
    if data.get("parent") is not None:
        parent = LabelClass.objects.filter(pk=data["parent"], project_id=project_id).first()
        if parent is None:
            raise ServiceValidationError(
                f"class {data['parent']} is not in this project", field="parent"
            )
        data["parent"] = parent
    return data


class LabelClassListApi(RoleScopedApi):
    access = {"GET": ALL_ROLES, "POST": MANAGERS}

    @extend_schema(responses=LabelClassOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's label classes (the taxonomy), each with its effective IoU threshold (its
        own, else the project default); paginated."""
        return self.paginate(
            request, selectors.classes_of(project_id=self.project_id), LabelClassOutput
        )

    @extend_schema(request=LabelClassInput, responses={201: LabelClassOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Add a class; a 400 when the name is taken in the project or the parent is not one of its
        classes."""
        payload = LabelClassInput(data=request.data)
        payload.is_valid(raise_exception=True)
        label_class = services.label_class_create(
            actor=request.user,
            project_id=self.project_id,
            data=_class_parent(self.project_id, dict(payload.validated_data)),
        )
        return Response(LabelClassOutput(label_class).data, status=status.HTTP_201_CREATED)


class LabelClassDetailApi(RoleScopedApi):
    access = {"GET": ALL_ROLES, "PATCH": MANAGERS, "DELETE": MANAGERS}

    @extend_schema(responses={204: None})
    def delete(self, request: Request, class_id: int) -> Response:
        """Delete a class; a 400 while annotations or child classes use it."""
        services.label_class_delete(
            actor=request.user, label_class=LabelClass.objects.get(pk=class_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(LabelClass, pk=self.kwargs["class_id"]).project_id

    @extend_schema(responses=LabelClassOutput)
    def get(self, request: Request, class_id: int) -> Response:
        """One label class with its effective IoU threshold."""
        return Response(LabelClassOutput(LabelClass.objects.get(pk=class_id)).data)

    @extend_schema(request=LabelClassUpdateInput, responses=LabelClassOutput)
    def patch(self, request: Request, class_id: int) -> Response:
        """Change a class's name, parent, colour, precision tier or IoU threshold (null: the project
        default); a 400 for a taken name or a parent that would make the class its own ancestor."""
        payload = LabelClassUpdateInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        label_class = services.label_class_update(
            actor=request.user,
            label_class=LabelClass.objects.get(pk=class_id),
            data=_class_parent(self.project_id, dict(payload.validated_data)),
        )
        return Response(LabelClassOutput(label_class).data)


class CohortListApi(RoleScopedApi):
    access = {"GET": MANAGERS | {"finance"}, "POST": LEADS}

    @extend_schema(responses=CohortOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's cohorts (workforce groups and their vendors); paginated."""
        return self.paginate(
            request, selectors.cohorts_of(project_id=self.project_id), CohortOutput
        )

    @extend_schema(request=CohortInput, responses={201: CohortOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Create a cohort; a 400 when the name is taken in the project."""
        payload = CohortInput(data=request.data)
        payload.is_valid(raise_exception=True)
        cohort = services.cohort_create(
            actor=request.user, project_id=self.project_id, data=payload.validated_data
        )
        return Response(CohortOutput(cohort).data, status=status.HTTP_201_CREATED)


class CohortDetailApi(RoleScopedApi):
    access = {"GET": MANAGERS | {"finance"}, "PATCH": LEADS, "DELETE": LEADS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(Cohort, pk=self.kwargs["cohort_id"]).project_id

    @extend_schema(responses=CohortOutput)
    def get(self, request: Request, cohort_id: int) -> Response:
        """One cohort."""
        return Response(CohortOutput(Cohort.objects.get(pk=cohort_id)).data)

    @extend_schema(request=CohortInput, responses=CohortOutput)
    def patch(self, request: Request, cohort_id: int) -> Response:
        """Rename a cohort or change its kind or vendor; a 400 when the name is taken in the
        project."""
        payload = CohortInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        cohort = services.cohort_update(
            actor=request.user, cohort=Cohort.objects.get(pk=cohort_id), data=payload.validated_data
        )
        return Response(CohortOutput(cohort).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, cohort_id: int) -> Response:
        """Delete a cohort: its members and batches are left without a cohort, and the rate cards
        priced for it are deleted with it."""
        services.cohort_delete(actor=request.user, cohort=Cohort.objects.get(pk=cohort_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _cohort(project_id: int, cohort_id: int | None) -> Cohort | None:
    if cohort_id is None:
        return None
    cohort = Cohort.objects.filter(pk=cohort_id, project_id=project_id).first()
    if cohort is None:
        raise ServiceValidationError(f"cohort {cohort_id} is not in this project", field="cohort")
    return cohort


def _admin_only_for_admins(role: str | None, *, grants: str | None, member=None) -> None:
    """A lead manages members, but the admin role (which may delete the project) and admins'
    memberships stay with admins: otherwise a lead could make themselves one."""
    if role == Role.ADMIN:
        return
    if grants == Role.ADMIN or (member is not None and member.role == Role.ADMIN):
        raise PermissionDenied(
            "Only an admin may grant the admin role or change an admin's membership."
        )


class AnnotatorListApi(RoleScopedApi):
    access = {"GET": MANAGERS, "POST": LEADS}

    @extend_schema(responses=AnnotatorOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's members (annotators, reviewers, managers, finance) with role, cohort,
        pseudonym and whether they are active; paginated."""
        return self.paginate(
            request, selectors.annotators_of(project_id=self.project_id), AnnotatorOutput
        )

    @extend_schema(request=AnnotatorInput, responses={201: AnnotatorOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Add an existing user (by username) to the project with a role (annotator by default) and
        an optional cohort of this project; a 400 when the user is unknown or already a member,
        a 403 when a lead tries to add an admin."""
        payload = AnnotatorInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        _admin_only_for_admins(self.get_role(request), grants=data["role"])
        member = services.annotator_add(
            actor=request.user,
            project_id=self.project_id,
            user=data["username"],
            role=data["role"],
            cohort=_cohort(self.project_id, data.get("cohort")),
        )
        return Response(AnnotatorOutput(member).data, status=status.HTTP_201_CREATED)


class AnnotatorDetailApi(RoleScopedApi):
    access = {"GET": MANAGERS, "PATCH": LEADS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(Annotator, pk=self.kwargs["annotator_id"]).project_id

    @extend_schema(responses=AnnotatorOutput)
    def get(self, request: Request, annotator_id: int) -> Response:
        """One membership: the user, role, cohort and pseudonym."""
        return Response(AnnotatorOutput(Annotator.objects.get(pk=annotator_id)).data)

    @extend_schema(request=AnnotatorUpdateInput, responses=AnnotatorOutput)
    def patch(self, request: Request, annotator_id: int) -> Response:
        """Change a member's role or cohort, or deactivate them (`is_active: false`: they lose all
        access to the project). Audited. Only an admin may grant the admin role or change an
        admin's membership (403 for a lead)."""
        payload = AnnotatorUpdateInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        target = Annotator.objects.get(pk=annotator_id)
        _admin_only_for_admins(self.get_role(request), grants=data.get("role"), member=target)
        if "cohort" in data:
            data["cohort"] = _cohort(self.project_id, data["cohort"])
        member = services.annotator_update(actor=request.user, member=target, data=data)
        return Response(AnnotatorOutput(member).data)
