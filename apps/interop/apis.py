from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.roles import LEADS, MANAGERS
from apps.common.views import RoleScopedApi
from apps.interop.conf import EXPORT_KIND, job_dir
from apps.interop.serializers import ExportInput, ImportInput
from apps.interop.services.exports import export_start
from apps.interop.services.imports import DuplicateImport, import_start
from apps.jobs.models import Job, JobStatus
from apps.jobs.serializers import JobOutput


class ProjectImportsApi(RoleScopedApi):
    """Upload an annotation file; 202 with the job to poll at /api/jobs/{id}/.

    409 naming the earlier import job when the project already has an import of the same
    file (same SHA-256), unless ``allow_duplicate`` is set.
    """

    access = {"POST": MANAGERS}

    @extend_schema(
        request={"multipart/form-data": ImportInput}, responses={202: JobOutput, 409: None}
    )
    def post(self, request: Request, project_id: int) -> Response:
        payload = ImportInput(data=request.data)
        payload.is_valid(raise_exception=True)
        options = payload.to_options()
        if options.create_missing_annotators and self.get_role(request) not in LEADS:
            raise PermissionDenied(
                "create_missing_annotators adds project members: project lead or admin only"
            )
        try:
            job = import_start(
                actor=request.user,
                project_id=self.project_id,
                upload=payload.validated_data["file"],
                options=options,
            )
        except DuplicateImport as duplicate:
            body = {"detail": str(duplicate), "earlier_import": duplicate.earlier_id}
            body["earlier_status"] = duplicate.earlier_status
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class ProjectExportsApi(RoleScopedApi):
    """Export filtered annotations or a QA report; 202, then GET /api/jobs/{id}/download/."""

    access = {"POST": MANAGERS}

    @extend_schema(request=ExportInput, responses={202: JobOutput})
    def post(self, request: Request, project_id: int) -> Response:
        payload = ExportInput(data=request.data, context={"project_id": self.project_id})
        payload.is_valid(raise_exception=True)
        job = export_start(
            actor=request.user, project_id=self.project_id, options=payload.to_options()
        )
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class JobDownloadApi(RoleScopedApi):
    """The file an export job wrote; 409 while the job is pending or running (or failed)."""

    access = {"GET": MANAGERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            Job.objects.only("project_id"), pk=self.kwargs["job_id"]
        ).project_id

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 409: None})
    def get(self, request: Request, job_id: int) -> FileResponse | Response:
        job = Job.objects.get(pk=job_id)
        if job.kind != EXPORT_KIND:
            raise Http404("this job is not an export")
        if job.status != JobStatus.SUCCEEDED:
            body = {"detail": f"the export is {job.status}", "status": job.status}
            return Response({**body, "errors": job.errors}, status=status.HTTP_409_CONFLICT)
        result = job.result or {}
        if "out" in job.params:
            raise Http404("this export was written to a local file by a management command")
        path = (Path(settings.MEDIA_ROOT) / result.get("file", "")).resolve()
        if not path.is_file() or job_dir(job.pk).resolve() not in path.parents:
            raise Http404("the export file is no longer there")
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=result["name"],
            content_type=result.get("content_type", "application/octet-stream"),
        )
