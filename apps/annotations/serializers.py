from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.annotations.models import Annotation, GeometryType, Source
from apps.common.ids import MAX_INT, IdField


@extend_schema_field({"type": "object", "additionalProperties": True})
class GeometryField(serializers.JSONField):
    """An annotation's geometry: a JSON object (its keys are checked against the geometry type
    by the annotation services)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("must be an object")
        return value


class AnnotationInput(serializers.Serializer):
    item = IdField()
    label_class = IdField()
    geometry_type = serializers.ChoiceField(choices=GeometryType.choices)
    geometry = GeometryField(required=False, default=dict)
    attributes = serializers.DictField(required=False, default=dict)
    score = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=0.0, max_value=1.0
    )
    source = serializers.ChoiceField(choices=Source.choices, required=False, default=Source.HUMAN)
    author = IdField(required=False, allow_null=True, default=None)
    model_id = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    created_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AnnotationBulkInput(serializers.Serializer):
    # min_length for the schema's minItems; allow_empty keeps the "may not be empty" message.
    annotations = serializers.ListField(child=AnnotationInput(), allow_empty=False, min_length=1)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_annotations(self, value):
        cap = settings.LABELQC_MAX_BULK_ANNOTATIONS
        if len(value) > cap:
            raise serializers.ValidationError(
                f"at most {cap} annotations per request; use an import job"
            )
        return value


class AnnotationImportInput(serializers.Serializer):
    annotations = serializers.ListField(
        child=AnnotationInput(), allow_empty=False, min_length=1, max_length=1_000_000
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AnnotationUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_INT)
    label_class = IdField(required=False)
    geometry_type = serializers.ChoiceField(choices=GeometryType.choices, required=False)
    geometry = GeometryField(required=False)
    attributes = serializers.DictField(required=False)
    score = serializers.FloatField(required=False, allow_null=True, min_value=0.0, max_value=1.0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AnnotationDeleteQuery(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, required=False, help_text="the version you edited"
    )
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class AnnotationFilterInput(serializers.Serializer):
    item = IdField(required=False)
    annotator = IdField(required=False)
    label_class = IdField(required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)


class AnnotationOutput(serializers.ModelSerializer):
    class Meta:
        model = Annotation
        fields = [
            "id",
            "item",
            "author",
            "model_id",
            "source",
            "label_class",
            "geometry_type",
            "geometry",
            "x",
            "y",
            "w",
            "h",
            "area",
            "attributes",
            "score",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
