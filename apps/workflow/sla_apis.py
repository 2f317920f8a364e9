from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.ids import IdField
from apps.common.roles import LEADS, MANAGERS
from apps.common.views import RoleScopedApi
from apps.common.webhooks import WebhookRefused, check_webhook_url
from apps.projects.serializers import IoUThresholdField
from apps.workflow.models import Alert, ClassSla, QueueSla
from apps.workflow.serializers import ReviewOutput
from apps.workflow.services import sla
from apps.workflow.services.alerts import alert_resolve, check_project_slas
from apps.workflow.services.compliance import class_sla_compliance


class QueueSlaInput(serializers.Serializer):
    queue = serializers.CharField(max_length=64)
    turnaround_hours = serializers.FloatField(min_value=0.01, max_value=24 * 365)
    webhook_url = serializers.URLField(required=False, allow_blank=True, default="")

    def validate_webhook_url(self, value: str) -> str:
        if value:
            try:
                check_webhook_url(value)
            except WebhookRefused as refusal:
                raise serializers.ValidationError(str(refusal)) from refusal
        return value


class QueueSlaOutput(serializers.ModelSerializer):
    class Meta:
        model = QueueSla
        fields = ["id", "queue", "turnaround_hours", "webhook_url"]
        read_only_fields = fields


unit = {"required": False, "allow_null": True, "min_value": 0.0, "max_value": 1.0}


class ClassSlaInput(serializers.Serializer):
    label_class = IdField()
    iou_threshold = IoUThresholdField(required=False, allow_null=True)
    iaa_floor = serializers.FloatField(
        required=False, allow_null=True, min_value=-1.0, max_value=1.0
    )
    missing_rate_ceiling = serializers.FloatField(**unit)
    turnaround_hours = serializers.FloatField(required=False, allow_null=True, min_value=0.01)
    window_days = serializers.IntegerField(required=False, min_value=1, max_value=365)


class ClassSlaOutput(serializers.ModelSerializer):
    class Meta:
        model = ClassSla
        fields = [
            "id",
            "label_class",
            "iou_threshold",
            "iaa_floor",
            "missing_rate_ceiling",
            "turnaround_hours",
            "window_days",
        ]
        read_only_fields = fields


class AlertOutput(serializers.ModelSerializer):
    resolved_by = serializers.CharField(
        source="resolved_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "key",
            "message",
            "details",
            "webhook_status",
            "created_at",
            "resolved_at",
            "resolved_by",
            "resolution",
        ]
        read_only_fields = fields


class AlertQuery(serializers.Serializer):
    kind = serializers.CharField(required=False, max_length=64)
    resolved = serializers.BooleanField(required=False, allow_null=True, default=None)


class AlertResolveInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class QueueSlaListApi(RoleScopedApi):
    access = {"GET": MANAGERS, "POST": LEADS}

    @extend_schema(responses=QueueSlaOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's queue turnaround SLAs, by queue name; paginated."""
        return self.paginate(
            request,
            QueueSla.objects.filter(project_id=self.project_id).order_by("queue"),
            QueueSlaOutput,
        )

    @extend_schema(request=QueueSlaInput, responses={201: QueueSlaOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Set a queue's turnaround SLA and optional breach webhook: creates it, or replaces the one
        the queue has (201 either way)."""
        payload = QueueSlaInput(data=request.data)
        payload.is_valid(raise_exception=True)
        created = sla.queue_sla_set(
            actor=request.user, project_id=self.project_id, **payload.validated_data
        )
        return Response(QueueSlaOutput(created).data, status=status.HTTP_201_CREATED)


class QueueSlaDetailApi(RoleScopedApi):
    """Delete a queue SLA; its queue's reviews are no longer overdue by turnaround. Audited."""

    access = {"DELETE": LEADS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(QueueSla, pk=self.kwargs["sla_id"]).project_id

    @extend_schema(responses={204: None})
    def delete(self, request: Request, sla_id: int) -> Response:
        sla.queue_sla_delete(actor=request.user, sla=QueueSla.objects.get(pk=sla_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClassSlaListApi(RoleScopedApi):
    access = {"GET": MANAGERS, "POST": LEADS}

    @extend_schema(responses=ClassSlaOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's per-class SLA targets; paginated."""
        return self.paginate(
            request,
            ClassSla.objects.filter(project_id=self.project_id).order_by("id"),
            ClassSlaOutput,
        )

    @extend_schema(request=ClassSlaInput, responses={201: ClassSlaOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Set a class's SLA targets (IoU, IAA floor, missing-rate ceiling, turnaround, window):
        creates the SLA or updates the given targets of the existing one (201 either way); a 400
        when the class is not in this project."""
        payload = ClassSlaInput(data=request.data)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        created = sla.class_sla_set(
            actor=request.user,
            project_id=self.project_id,
            label_class=values.pop("label_class"),
            values=values,
        )
        return Response(ClassSlaOutput(created).data, status=status.HTTP_201_CREATED)


class ClassSlaDetailApi(RoleScopedApi):
    """Delete a class SLA. Audited."""

    access = {"DELETE": LEADS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(ClassSla, pk=self.kwargs["class_sla_id"]).project_id

    @extend_schema(responses={204: None})
    def delete(self, request: Request, class_sla_id: int) -> Response:
        sla.class_sla_delete(actor=request.user, sla=ClassSla.objects.get(pk=class_sla_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OverdueApi(RoleScopedApi):
    """Open reviews past their deadline (a rule's due date, else the queue's turnaround SLA): those
    with a due date first, earliest first, then the oldest; paginated."""

    access = {"GET": MANAGERS}

    @extend_schema(responses=ReviewOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        return self.paginate(request, sla.overdue_reviews(project_id=self.project_id), ReviewOutput)


class SlaCheckApi(RoleScopedApi):
    """Record breaches now (the beat job does the same every five minutes)."""

    access = {"POST": LEADS}

    @extend_schema(request=None, responses=AlertOutput(many=True))
    def post(self, request: Request, project_id: int) -> Response:
        """Also resolves the breach alerts whose review has been decided; answers the new ones."""
        created = check_project_slas(project_id=self.project_id)
        return Response(AlertOutput(created, many=True).data)


class AlertListApi(RoleScopedApi):
    """The project's alerts (queue SLA breaches, budget warnings, fault flags), newest first,
    optionally of one `?kind=` (`queue_sla`, `budget`, `fault_flag`) and only open
    (`?resolved=false`) or resolved ones (`?resolved=true`); paginated."""

    access = {"GET": MANAGERS}

    @extend_schema(parameters=[AlertQuery], responses=AlertOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        filters = AlertQuery(data=request.query_params)
        filters.is_valid(raise_exception=True)
        query = Alert.objects.filter(project_id=self.project_id).select_related("resolved_by")
        if filters.validated_data.get("kind"):
            query = query.filter(kind=filters.validated_data["kind"])
        if filters.validated_data["resolved"] is not None:
            query = query.filter(resolved_at__isnull=not filters.validated_data["resolved"])
        return self.paginate(request, query, AlertOutput)


class AlertResolveApi(RoleScopedApi):
    """Mark an alert resolved, with an optional note (audited). Resolving a resolved alert
    answers it unchanged. Queue-SLA alerts also resolve themselves once their review is decided
    (at the next SLA check)."""

    access = {"POST": MANAGERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(Alert, pk=self.kwargs["alert_id"]).project_id

    @extend_schema(request=AlertResolveInput, responses=AlertOutput)
    def post(self, request: Request, alert_id: int) -> Response:
        payload = AlertResolveInput(data=request.data)
        payload.is_valid(raise_exception=True)
        alert = alert_resolve(actor=request.user, alert_id=alert_id, **payload.validated_data)
        return Response(AlertOutput(alert).data)


class ClassComplianceApi(RoleScopedApi):
    """Per-class SLA compliance, computed now over each SLA's window: observed median IoU and
    missing rate on gold, IAA (Krippendorff's alpha) and p90 turnaround against each target (null
    when there is no target or no data), with the breaches listed."""

    access = {"GET": MANAGERS}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        return Response(class_sla_compliance(project_id=self.project_id))
