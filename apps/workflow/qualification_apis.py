"""The qualification gate for managers: who is pending, passed or failed with their current
attempt's gold, and a manager's decision on one (the gate itself lives in the queue)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.roles import MANAGERS
from apps.common.views import RoleScopedApi
from apps.projects.models import Annotator, Project, Qualification
from apps.projects.serializers import AnnotatorOutput, QualificationDecisionInput
from apps.workflow.selectors import qualification_progress
from apps.workflow.services.qualification import qualification_decide


class QualificationProgressOutput(serializers.Serializer):
    annotator = serializers.IntegerField()
    pseudonym = serializers.CharField()
    username = serializers.CharField()
    is_active = serializers.BooleanField()
    qualification = serializers.ChoiceField(choices=Qualification.choices)
    gold_scored = serializers.IntegerField(help_text="of the gold items that decide the attempt")
    gold_required = serializers.IntegerField()
    gold_accuracy = serializers.FloatField(allow_null=True, help_text="mean over gold_scored")
    bar = serializers.FloatField(help_text="the project's qualification_accuracy")
    attempt_from = serializers.DateTimeField(allow_null=True, help_text="null: since joining")
    decided_at = serializers.DateTimeField(allow_null=True)


class QualificationProgressApi(RoleScopedApi):
    """The project's gated annotators (empty while the gate is off): their state, and the gold
    items of their current attempt scored so far with the mean accuracy. A pending annotator
    with every deciding item scored is decided at their next pull."""

    access = {"GET": MANAGERS}

    @extend_schema(responses=QualificationProgressOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        rows = qualification_progress(project=Project.objects.get(pk=self.project_id))
        return Response(QualificationProgressOutput(rows, many=True).data)


class QualificationDecisionApi(RoleScopedApi):
    """Pass (regular work from the next pull), fail (no work) or grant a retake (gold only
    again, decided by the next gold items alone) to an annotator under the project's
    qualification gate, with an optional note; audited. Passing or a retake resolves their
    alert."""

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
