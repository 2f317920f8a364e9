"""A manager's qualification decision on an annotator (the gate itself lives in the queue)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.roles import MANAGERS
from apps.common.views import RoleScopedApi
from apps.projects.models import Annotator
from apps.projects.serializers import AnnotatorOutput, QualificationDecisionInput
from apps.workflow.services.qualification import qualification_decide


class QualificationDecisionApi(RoleScopedApi):
    """Pass (regular work from the next pull) or fail (no work) an annotator under the project's
    qualification gate, with an optional note; audited. Passing resolves their alert."""

    access = {"POST": MANAGERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(Annotator, pk=self.kwargs["annotator_id"]).project_id

    @extend_schema(request=QualificationDecisionInput, responses=AnnotatorOutput)
    def post(self, request: Request, annotator_id: int) -> Response:
        payload = QualificationDecisionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        member = qualification_decide(
            actor=request.user,
            member=Annotator.objects.get(pk=annotator_id),
            **payload.validated_data,
        )
        return Response(AnnotatorOutput(member).data)
