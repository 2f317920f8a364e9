from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.active import selectors
from apps.active.models import ActiveLearningRound
from apps.active.serializers import RoundDetailOutput, RoundInput, RoundOutput
from apps.active.services import round_start
from apps.common.roles import MANAGERS
from apps.common.views import RoleScopedApi


class ProjectRoundsApi(RoleScopedApi):
    """Start an active-learning round (202; the job raises the picked items' queue priority),
    or list the project's rounds."""

    access = {"GET": MANAGERS, "POST": MANAGERS}

    @extend_schema(responses=RoundOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        return self.paginate(request, selectors.rounds_of(project_id=self.project_id), RoundOutput)

    @extend_schema(request=RoundInput, responses={202: RoundDetailOutput})
    def post(self, request: Request, project_id: int) -> Response:
        payload = RoundInput(data=request.data)
        payload.is_valid(raise_exception=True)
        round_ = round_start(
            actor=request.user, project_id=self.project_id, **payload.validated_data
        )
        round_.refresh_from_db()
        return Response(RoundDetailOutput(round_).data, status=status.HTTP_202_ACCEPTED)


class RoundDetailApi(RoleScopedApi):
    """One round: strategy, model figures, pool and the picks in order."""

    access = {"GET": MANAGERS}

    def project_id_from_url(self) -> int | None:
        round_ = get_object_or_404(
            ActiveLearningRound.objects.only("project_id"), pk=self.kwargs["round_id"]
        )
        return round_.project_id

    @extend_schema(responses=RoundDetailOutput)
    def get(self, request: Request, round_id: int) -> Response:
        round_ = ActiveLearningRound.objects.select_related("job").get(pk=round_id)
        return Response(RoundDetailOutput(round_).data)
