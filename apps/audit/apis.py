from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.audit.models import AuditEvent
from apps.common.ids import IdField
from apps.common.roles import COST_READERS, MANAGERS
from apps.common.views import RoleScopedApi


class AuditFilterInput(serializers.Serializer):
    action = serializers.CharField(required=False, max_length=64)
    entity_type = serializers.CharField(required=False, max_length=64)
    entity_id = IdField(required=False)
    actor = IdField(required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class AuditEventOutput(serializers.ModelSerializer):
    actor_username = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "actor",
            "actor_username",
            "action",
            "entity_type",
            "entity_id",
            "before",
            "after",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class ProjectAuditApi(RoleScopedApi):
    """The project's audit trail, newest first: who changed what, with before/after snapshots and
    the reason. Filter by action, entity type and id, actor (user id) and time (`since` inclusive,
    `until` exclusive); paginated. Cost events (rate cards, budgets, scenarios) are left out for
    roles that may not read costs (QA managers)."""

    access = {"GET": MANAGERS}

    @extend_schema(parameters=[AuditFilterInput], responses=AuditEventOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        filters = AuditFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        query = AuditEvent.objects.filter(project_id=self.project_id).select_related("actor")
        lookups = {
            "action": f.get("action"),
            "entity_type": f.get("entity_type"),
            "entity_id": f.get("entity_id"),
            "actor_id": f.get("actor"),
            "created_at__gte": f.get("since"),
            "created_at__lt": f.get("until"),
        }
        query = query.filter(**{k: v for k, v in lookups.items() if v is not None}).order_by("-id")
        if self.get_role(request) not in COST_READERS:
            # cost events carry rates and budgets, which the cost API refuses these roles
            query = query.exclude(action__startswith="cost.")
        return self.paginate(request, query, AuditEventOutput)
