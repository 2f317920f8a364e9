"""Fault flags: start a run of labelqc.catch over the project (a job), read the latest flags."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.analytics import flags
from apps.analytics.models import FaultFlagRun
from apps.common.roles import MANAGERS
from apps.common.schema import settings_object_schema
from apps.common.views import RoleScopedApi
from apps.jobs.serializers import JobOutput
from labelqc.catch import CatchRules


@extend_schema_field(settings_object_schema(CatchRules))
class FaultRulesField(serializers.DictField):
    """Overrides of labelqc.catch.CatchRules: checked by apps.analytics.flags (a 400 names the
    rule or threshold); the schema lists the known ones, since any other key is refused."""


class FaultFlagStartInput(serializers.Serializer):
    # Overrides of labelqc.catch.CatchRules for this run, e.g. {"size_bias": {"band": 0.15}};
    # laid over the project's stored ones (settings["fault_rules"]), which save_rules replaces.
    rules = FaultRulesField(required=False, default=dict)
    save_rules = serializers.BooleanField(required=False, default=False)


class FaultFlagRunOutput(serializers.ModelSerializer):
    job_status = serializers.CharField(source="job.status", default=None, read_only=True)

    class Meta:
        model = FaultFlagRun
        fields = ["id", "project", "params", "result", "job", "job_status", "created_at"]
        read_only_fields = fields


class FaultFlagRunApi(RoleScopedApi):
    """Flag annotators and classes with the QA signals (202: poll the job, then latest/)."""

    access = {"POST": MANAGERS}

    @extend_schema(request=FaultFlagStartInput, responses={202: JobOutput})
    def post(self, request: Request, project_id: int) -> Response:
        payload = FaultFlagStartInput(data=request.data)
        payload.is_valid(raise_exception=True)
        job = flags.fault_flags_start(
            actor=request.user,
            project_id=self.project_id,
            overrides=payload.validated_data["rules"],
            save_rules=payload.validated_data["save_rules"],
        )
        job.refresh_from_db()
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class LatestFaultFlagRunApi(RoleScopedApi):
    """The newest finished fault-flag run with its flags; 404 until one has finished."""

    access = {"GET": MANAGERS}

    @extend_schema(responses=FaultFlagRunOutput)
    def get(self, request: Request, project_id: int) -> Response:
        run = flags.latest_run(self.project_id)
        if run is None:
            raise Http404("no finished fault-flag run yet")
        return Response(FaultFlagRunOutput(run).data)
