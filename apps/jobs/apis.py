from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.roles import MANAGERS, Role
from apps.common.views import RoleScopedApi
from apps.jobs.models import Job
from apps.jobs.serializers import JobOutput
from apps.jobs.services import job_cancel


def jobs_visible_to(role: str | None) -> QuerySet[Job]:
    """Finance reads cost jobs only: the others' results name annotators and carry quality data."""
    jobs = Job.objects.all()
    return jobs.filter(kind__startswith="costs.") if role == Role.FINANCE else jobs


class JobDetailApi(RoleScopedApi):
    access = {"GET": MANAGERS | {"finance"}, "DELETE": MANAGERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            Job.objects.only("project_id"), pk=self.kwargs["job_id"]
        ).project_id

    @extend_schema(responses=JobOutput)
    def get(self, request: Request, job_id: int) -> Response:
        """A job's status, progress, errors and result: poll this after any endpoint that answered
        202. Finance sees cost jobs only (404 for the others)."""
        job = get_object_or_404(jobs_visible_to(self.get_role(request)), pk=job_id)
        return Response(JobOutput(job).data)

    @extend_schema(responses=JobOutput, description="Cancel the job if it has not finished.")
    def delete(self, request: Request, job_id: int) -> Response:
        job_cancel(job_id)
        return Response(JobOutput(Job.objects.get(pk=job_id)).data)


class ProjectJobsApi(RoleScopedApi):
    """The project's jobs (imports, exports, reports, screening, pre-labeling, ...), newest first;
    paginated. Finance sees cost jobs only."""

    access = {"GET": MANAGERS | {"finance"}}

    @extend_schema(responses=JobOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        jobs = jobs_visible_to(self.get_role(request)).filter(project_id=self.project_id)
        return self.paginate(request, jobs, JobOutput)
