from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.analytics import selectors, services
from apps.analytics.models import QualityReport
from apps.analytics.serializers import (
    ConsensusInput,
    ReportOutput,
    ReportStartInput,
    ReportSummaryOutput,
)
from apps.analytics.services import CONSENSUS_KIND
from apps.common.roles import MANAGERS
from apps.common.views import RoleScopedApi
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.serializers import JobOutput
from apps.jobs.services import job_create


class QualityReportListApi(RoleScopedApi):
    """Start a report (202: poll the job or the report) or list the project's reports."""

    access = {"GET": MANAGERS, "POST": MANAGERS}

    @extend_schema(responses=ReportSummaryOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        return self.paginate(
            request, QualityReport.objects.filter(project_id=self.project_id), ReportSummaryOutput
        )

    @extend_schema(request=ReportStartInput, responses={202: ReportSummaryOutput})
    def post(self, request: Request, project_id: int) -> Response:
        payload = ReportStartInput(data=request.data, context={"project_id": self.project_id})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        window, shards = data.pop("window"), data.pop("shards")
        report = services.report_start(
            actor=request.user,
            project_id=self.project_id,
            filters=data,
            window=window,
            n_shards=shards,
        )
        report.refresh_from_db()
        return Response(ReportSummaryOutput(report).data, status=status.HTTP_202_ACCEPTED)


class QualityReportDetailApi(RoleScopedApi):
    """One quality report in any status, with its result once finished."""

    access = {"GET": MANAGERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            QualityReport.objects.only("project_id"), pk=self.kwargs["report_id"]
        ).project_id

    @extend_schema(responses=ReportOutput)
    def get(self, request: Request, report_id: int) -> Response:
        return Response(ReportOutput(QualityReport.objects.get(pk=report_id)).data)


class LatestQualityReportApi(RoleScopedApi):
    """The newest finished quality report, unfiltered ones first; 404 until one has finished."""

    access = {"GET": MANAGERS}

    @extend_schema(responses=ReportOutput)
    def get(self, request: Request, project_id: int) -> Response:
        report = selectors.latest_report(self.project_id)
        if report is None:
            raise Http404("no finished quality report yet")
        return Response(ReportOutput(report).data)


class ConsensusApi(RoleScopedApi):
    """Recompute consensus labels (source = consensus) as a job."""

    access = {"POST": MANAGERS}

    @extend_schema(request=ConsensusInput, responses={202: JobOutput})
    def post(self, request: Request, project_id: int) -> Response:
        payload = ConsensusInput(data=request.data)
        payload.is_valid(raise_exception=True)
        job = job_create(
            kind=CONSENSUS_KIND,
            project_id=self.project_id,
            actor=request.user,
            params=dict(payload.validated_data),
        )
        job_send_on_commit(job)
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)
