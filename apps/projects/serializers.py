from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from apps.common.ids import IdField
from apps.common.roles import Role
from apps.projects.models import (
    QUALIFICATION_DECISIONS,
    Annotator,
    Cohort,
    CohortKind,
    LabelClass,
    PrecisionTier,
    Project,
)

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@extend_schema_field(
    {"type": "number", "format": "double", "minimum": 0, "exclusiveMinimum": True, "maximum": 1}
)
class IoUThresholdField(serializers.FloatField):
    """An IoU threshold in (0, 1]: a threshold of 0 would match shapes that do not overlap.

    The schema says so (exclusiveMinimum), or clients would be told 0 is valid."""

    default_error_messages = {"not_positive": "must be greater than 0"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_value=1.0, **kwargs)

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if value <= 0.0:
            self.fail("not_positive")
        return value


class ProjectInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    default_iou_threshold = IoUThresholdField(required=False)
    target_iaa = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    overlap = serializers.IntegerField(required=False, min_value=1, max_value=20)
    honeypot_initial_count = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    honeypot_rate = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    lease_minutes = serializers.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)
    settings = serializers.DictField(required=False)
    gold_target_accuracy = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    qualification_accuracy = serializers.FloatField(
        required=False, allow_null=True, min_value=0.0, max_value=1.0
    )
    review_share = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    effort_approved_iou = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    effort_minor_iou = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)


class ProjectUpdateInput(ProjectInput):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class ProjectOutput(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "default_iou_threshold",
            "target_iaa",
            "overlap",
            "honeypot_initial_count",
            "honeypot_rate",
            "lease_minutes",
            "settings",
            "gold_target_accuracy",
            "qualification_accuracy",
            "review_share",
            "effort_approved_iou",
            "effort_minor_iou",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProjectSummaryOutput(serializers.ModelSerializer):
    """What every member sees: the gold, honeypot, review and fault settings are left out (an
    annotator who knew the honeypot schedule could tell which items are scored)."""

    class Meta:
        model = Project
        fields = ["id", "name", "description", "lease_minutes", "created_at", "updated_at"]
        read_only_fields = fields


def project_for_role_output(many: bool = False) -> PolymorphicProxySerializer:
    """The schema of a project answer: full settings for managers, else the summary."""
    return PolymorphicProxySerializer(
        component_name="ProjectForRole",
        serializers=[ProjectOutput, ProjectSummaryOutput],
        resource_type_field_name=None,
        many=many,
    )


class LabelClassInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    parent = IdField(required=False, allow_null=True)
    # A RegexField, not a validate_color method: the schema then carries the pattern.
    color = serializers.RegexField(
        HEX_COLOR,
        required=False,
        max_length=7,
        error_messages={"invalid": "must be a hex colour like #1f77b4"},
    )
    precision_tier = serializers.ChoiceField(choices=PrecisionTier.choices, required=False)
    iou_threshold = IoUThresholdField(required=False, allow_null=True)


class LabelClassUpdateInput(LabelClassInput):
    name = serializers.CharField(max_length=200, required=False)


class LabelClassOutput(serializers.ModelSerializer):
    effective_iou_threshold = serializers.FloatField(read_only=True)

    class Meta:
        model = LabelClass
        fields = [
            "id",
            "name",
            "parent",
            "color",
            "precision_tier",
            "iou_threshold",
            "effective_iou_threshold",
        ]
        read_only_fields = fields


class CohortInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=CohortKind.choices, required=False)
    vendor = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CohortOutput(serializers.ModelSerializer):
    class Meta:
        model = Cohort
        fields = ["id", "name", "kind", "vendor"]
        read_only_fields = fields


class AnnotatorInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.ANNOTATOR)
    cohort = IdField(required=False, allow_null=True)

    def validate_username(self, value: str):
        user = get_user_model().objects.filter(username=value).first()
        if user is None:
            raise serializers.ValidationError(f"no user named {value!r}")
        return user


class AnnotatorUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    cohort = IdField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class AnnotatorOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Annotator
        fields = [
            "id",
            "username",
            "role",
            "cohort",
            "pseudonym",
            "is_active",
            "qualification",
            "qualification_decided_at",
            "qualification_attempt_from",
            "created_at",
        ]
        read_only_fields = fields


class QualificationDecisionInput(serializers.Serializer):
    # "retake": pending again, on the next gold items only (those already scored do not count).
    qualification = serializers.ChoiceField(choices=QUALIFICATION_DECISIONS)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
