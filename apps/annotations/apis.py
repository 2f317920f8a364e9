from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.annotations import selectors, services
from apps.annotations.models import Annotation
from apps.annotations.serializers import (
    AnnotationBulkInput,
    AnnotationDeleteQuery,
    AnnotationFilterInput,
    AnnotationImportInput,
    AnnotationOutput,
    AnnotationUpdateInput,
)
from apps.common.roles import LABELERS, MANAGERS, STAFF_ROLES, Role
from apps.common.views import RoleScopedApi
from apps.jobs.serializers import JobOutput


class ProjectAnnotationsApi(RoleScopedApi):
    # Annotators write through the queue's submit only (what the queue page uses): it holds them
    # to their assignment, the qualification gate and honeypot scoring, which this would bypass.
    access = {"GET": LABELERS, "POST": STAFF_ROLES}

    def permission_denied(self, request: Request, message: str | None = None, code=None) -> None:
        if (
            request.method == "POST"
            and request.user.is_authenticated
            and self.get_role(request) == Role.ANNOTATOR
        ):
            message = (
                "annotators submit their labels through the queue: "
                "POST /api/assignments/{id}/submit/"
            )
        super().permission_denied(request, message=message, code=code)

    @extend_schema(parameters=[AnnotationFilterInput], responses=AnnotationOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """Annotations the caller may read, by id: annotators see only their own non-gold work,
        reviewers nothing on items under an open blind inspection. Filter by item, annotator, class,
        source and creation time; paginated."""
        filters = AnnotationFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        query = selectors.annotations_for(
            project_id=self.project_id,
            role=self.get_role(request),
            member=self.member,
            **filters.validated_data,
        )
        return self.paginate(request, query, AnnotationOutput)

    @extend_schema(
        request=AnnotationBulkInput,
        responses={
            201: inline_serializer(
                "AnnotationsCreatedOutput",
                {
                    "created": serializers.IntegerField(),
                    "ids": serializers.ListField(child=serializers.IntegerField()),
                },
            )
        },
    )
    def post(self, request: Request, project_id: int) -> Response:
        """Create annotations in bulk, all or none: a 400 lists every bad record by index.
        Annotators may not (403: they submit through the queue); reviewers submit only their own
        human annotations (a `source` other than human or a `model_id` is a 400 naming it);
        managers may set author, source, model_id and created_at. Answers `{created, ids}`;
        beyond the per-request cap use the imports endpoint."""
        payload = AnnotationBulkInput(data=request.data)
        payload.is_valid(raise_exception=True)
        created = services.annotations_bulk_create(
            actor=request.user,
            project_id=self.project_id,
            records=payload.validated_data["annotations"],
            role=self.get_role(request),
            member=self.member,
            reason=payload.validated_data["reason"],
        )
        return Response(
            {"created": len(created), "ids": [a.pk for a in created]},
            status=status.HTTP_201_CREATED,
        )


class AnnotationDetailApi(RoleScopedApi):
    access = {"GET": LABELERS, "PATCH": LABELERS, "DELETE": LABELERS}

    def project_id_from_url(self) -> int | None:
        project_id = (
            Annotation.objects.filter(pk=self.kwargs["annotation_id"])
            .values_list("project_id", flat=True)
            .first()
        )
        if project_id is None:
            raise Http404
        return project_id

    def _annotation(self, request: Request) -> Annotation:
        annotation = selectors.annotation_in_scope(
            annotation_id=self.kwargs["annotation_id"],
            role=self.get_role(request),
            member=self.member,
        )
        if annotation is None:
            raise Http404
        return annotation

    @extend_schema(responses=AnnotationOutput)
    def get(self, request: Request, annotation_id: int) -> Response:
        """One annotation, if the caller may read it (404 otherwise, by the same rules as the
        list)."""
        return Response(AnnotationOutput(self._annotation(request)).data)

    @extend_schema(request=AnnotationUpdateInput, responses=AnnotationOutput)
    def patch(self, request: Request, annotation_id: int) -> Response:
        """Edit an annotation against the `version` it was read at: a 409 with `current_version` and
        the current state when it has changed since, a 400 for an invalid shape or class. Annotators
        may edit only their own human annotations, on an item they hold in the queue (a lease or
        rework of theirs; never gold): otherwise a 400 naming `annotation`."""
        payload = AnnotationUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        version, reason = data.pop("version"), data.pop("reason")
        updated = services.annotation_update(
            actor=request.user,
            annotation=self._annotation(request),
            base_version=version,
            changes=data,
            role=self.get_role(request),
            member=self.member,
            reason=reason,
        )
        return Response(AnnotationOutput(updated).data)

    @extend_schema(parameters=[AnnotationDeleteQuery], responses={204: None})
    def delete(self, request: Request, annotation_id: int) -> Response:
        """Delete an annotation; with `?version=` a stale version is a 409 with the current state.
        Annotators may delete only their own human annotations, on an item they hold in the
        queue. Audited, with the optional `reason`."""
        query = AnnotationDeleteQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        services.annotation_delete(
            actor=request.user,
            annotation=self._annotation(request),
            base_version=query.validated_data.get("version"),
            role=self.get_role(request),
            member=self.member,
            reason=query.validated_data["reason"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectAnnotationImportsApi(RoleScopedApi):
    """Large bulk imports run as a job: 202 now, poll /api/jobs/{id}/ for the outcome."""

    access = {"POST": MANAGERS}

    @extend_schema(request=AnnotationImportInput, responses={202: JobOutput})
    def post(self, request: Request, project_id: int) -> Response:
        payload = AnnotationImportInput(data=request.data)
        payload.is_valid(raise_exception=True)
        job = services.import_job_start(
            actor=request.user,
            project_id=self.project_id,
            records=payload.validated_data["annotations"],
            reason=payload.validated_data["reason"],
        )
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)
