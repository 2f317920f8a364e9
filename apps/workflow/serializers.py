from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.annotations.serializers import AnnotationInput, GeometryField
from apps.common.ids import MAX_INT, IdField
from apps.workflow.models import EscalationRule, Review
from labelqc.rules import ACTIONS, MAX_PRIORITY, MAX_QUEUE_NAME, MAX_SLA_HOURS, MIN_PRIORITY

# The schema of each action argument, as labelqc.rules.engine.validate_rule checks it.
ACTION_ARGUMENTS: dict[str, dict[str, Any]] = {
    "queue": {"type": "string", "minLength": 1, "maxLength": MAX_QUEUE_NAME, "pattern": r"\S"},
    "value": {"type": "integer", "minimum": MIN_PRIORITY, "maximum": MAX_PRIORITY},
    # OpenAPI 3.0 (drf-spectacular's default): exclusiveMinimum is a flag on minimum.
    "hours": {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": MAX_SLA_HOURS,
    },
}
RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "when": {
            "type": "object",
            "description": "a condition: {all: [...]}, {any: [...]}, {not: ...} or "
            "{fact, op, value} (labelqc.rules.engine)",
        },
        "then": {
            "type": "array",
            "minItems": 1,
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {
                            "action": {"type": "string", "enum": [action]},
                            **{key: ACTION_ARGUMENTS[key] for key in keys},
                        },
                        "required": ["action", *keys],
                        "additionalProperties": False,
                    }
                    for action, keys in ACTIONS.items()
                ]
            },
        },
    },
    "required": ["when", "then"],
    "additionalProperties": False,
}


@extend_schema_field(RULE_SCHEMA)
class RuleDefinitionField(serializers.JSONField):
    """An escalation rule's definition. Checked by the service (so a 400 names the failing
    path, e.g. "definition.then[0].hours"); the schema gives its outline."""


class QueueAnnotationInput(AnnotationInput):
    """What an annotator submits: the item is implied by the assignment."""

    item = IdField(required=False)


class SubmitInput(serializers.Serializer):
    annotations = serializers.ListField(
        child=QueueAnnotationInput(), allow_empty=True, max_length=5000
    )
    client_seconds = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=86_400
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class PrelabelOutput(serializers.Serializer):
    id = serializers.IntegerField()
    label_class = serializers.IntegerField(source="label_class_id")
    geometry_type = serializers.CharField()
    geometry = serializers.JSONField()
    score = serializers.FloatField(allow_null=True)
    model_id = serializers.CharField()
    uncertainty = serializers.SerializerMethodField()

    def get_uncertainty(self, annotation) -> float | None:
        value = (annotation.attributes or {}).get("uncertainty")
        return value if isinstance(value, int | float) else None


class OwnShapeOutput(serializers.Serializer):
    """One of the annotator's own submitted shapes, as the redo of a rework starts from it."""

    id = serializers.IntegerField()
    version = serializers.IntegerField()
    label_class = serializers.IntegerField(source="label_class_id")
    geometry_type = serializers.CharField()
    geometry = serializers.JSONField()
    attributes = serializers.JSONField()


class ReworkOutput(serializers.Serializer):
    """Work sent back: the annotator's own shapes of the assignment (submitting replaces them) and
    the rejection that sent it back; decision and reason are null when no review rejected it (an
    intake inspection sends a whole batch back)."""

    shapes = OwnShapeOutput(many=True)
    decision = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class AssignmentOutput(serializers.Serializer):
    """Deliberately silent about gold: a honeypot must look like any other item."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    lease_expires_at = serializers.DateTimeField()
    rework_cycles = serializers.IntegerField()
    item = serializers.SerializerMethodField()
    prelabels = serializers.SerializerMethodField()
    rework_reason = serializers.SerializerMethodField()
    rework = serializers.SerializerMethodField()

    def get_item(self, assignment) -> dict:
        item = assignment.item
        return {
            "id": item.pk,
            "width": item.width,
            "height": item.height,
            "image_url": f"/api/assignments/{assignment.pk}/image/"
            if item.file
            else (item.uri or None),
        }

    def get_prelabels(self, assignment) -> list[dict]:
        return PrelabelOutput(self.context.get("prelabels", []), many=True).data

    def get_rework_reason(self, assignment) -> str | None:
        rework = self.context.get("rework")
        return rework["reason"] if rework else None

    @extend_schema_field(ReworkOutput(allow_null=True))
    def get_rework(self, assignment) -> dict | None:
        # Only an assignment in rework has one: its starting shapes are the annotator's own.
        rework = self.context.get("rework")
        return ReworkOutput(rework).data if rework else None


class ReviewDecisionEdit(serializers.Serializer):
    annotation = IdField()
    version = serializers.IntegerField(min_value=1, max_value=MAX_INT)
    label_class = IdField(required=False)
    geometry_type = serializers.CharField(required=False)
    geometry = GeometryField(required=False)
    attributes = serializers.DictField(required=False)


class ReviewDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "edit", "reject", "escalate"])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    queue = serializers.CharField(required=False, max_length=64, allow_null=True, default=None)
    edits = ReviewDecisionEdit(many=True, required=False, default=list)


class ReviewOutput(serializers.ModelSerializer):
    item = IdField(source="assignment.item_id", read_only=True)
    annotator = serializers.CharField(
        source="assignment.annotator.pseudonym", read_only=True, default=None
    )
    rework_cycles = serializers.IntegerField(source="assignment.rework_cycles", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "assignment",
            "item",
            "annotator",
            "queue",
            "status",
            "priority",
            "reviewer",
            "reason",
            "cycle",
            "due_at",
            "created_at",
            "decided_at",
            "lease_expires_at",
            "rework_cycles",
        ]
        read_only_fields = fields


class GoldUsageQuery(serializers.Serializer):
    stale_days = serializers.IntegerField(min_value=1, max_value=36_500, default=30)


class ReviewFilterInput(serializers.Serializer):
    queue = serializers.CharField(required=False, max_length=64)
    status = serializers.ChoiceField(
        choices=[c for c, _ in Review._meta.get_field("status").choices], required=False
    )


class RuleInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    definition = RuleDefinitionField()
    enabled = serializers.BooleanField(required=False, default=True)
    order = serializers.IntegerField(
        required=False, default=0, min_value=-MAX_INT - 1, max_value=MAX_INT
    )


class RuleUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    definition = RuleDefinitionField(required=False)
    enabled = serializers.BooleanField(required=False)
    order = serializers.IntegerField(required=False, min_value=-MAX_INT - 1, max_value=MAX_INT)


class RuleOutput(serializers.ModelSerializer):
    class Meta:
        model = EscalationRule
        fields = ["id", "name", "enabled", "order", "definition", "created_at", "updated_at"]
        read_only_fields = fields


class DryRunRule(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    definition = RuleDefinitionField()


class DryRunInput(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=3650, default=7)
    # A list field, not DryRunRule(many=True, allow_null=True): that lets each rule be null too.
    rules = serializers.ListField(
        child=DryRunRule(), required=False, allow_null=True, default=None, max_length=100
    )
