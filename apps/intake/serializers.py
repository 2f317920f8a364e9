"""Input and output shapes of the intake API. Ranges and combinations (thresholds, AQL, risks)
are checked by labelqc.intake in the services, so a bad value is a 400 naming its field."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from apps.annotations.models import GeometryType
from apps.annotations.serializers import GeometryField
from apps.common.ids import MAX_INT, IdField
from apps.common.schema import settings_object_schema
from apps.intake.models import (
    Batch,
    BatchInspection,
    BatchItem,
    BatchKind,
    BatchStatus,
    Decision,
    InspectionItem,
    PlanMethod,
    ReviewMode,
    SamplingPlan,
    ScreeningRun,
    ScreeningSettings,
)
from apps.intake.services.screening import hold_flags_of, thresholds_of
from apps.intake.services.trends import GROUPS, PERIODS
from labelqc.intake import DEFECT_TYPES, QUALITY_FLAGS, ScreeningThresholds
from labelqc.intake.sampling_tables import AQL_COLUMNS, INSPECTION_LEVELS

MAX_ITEMS_PER_REQUEST = 50_000
MAX_SEED = 2**63 - 1


class BatchInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=BatchKind.choices, required=False)
    cohort = IdField(required=False, allow_null=True)
    vendor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class BatchUpdateInput(BatchInput):
    status = serializers.ChoiceField(choices=BatchStatus.choices, required=False)


class BatchFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=BatchStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=BatchKind.choices, required=False)


class BatchOutput(serializers.ModelSerializer):
    cohort_name = serializers.CharField(source="cohort.name", default=None, read_only=True)
    vendor_label = serializers.CharField(read_only=True)
    n_items = serializers.SerializerMethodField()
    n_held = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "project",
            "name",
            "kind",
            "cohort",
            "cohort_name",
            "vendor",
            "vendor_label",
            "notes",
            "status",
            "rework_cycles",
            "created_at",
            "released_at",
            "n_items",
            "n_held",
        ]
        read_only_fields = fields

    def get_n_items(self, batch: Batch) -> int:
        return getattr(batch, "n_items", None) or batch.memberships.count()

    def get_n_held(self, batch: Batch) -> int:
        found = getattr(batch, "n_held", None)
        return found if found is not None else batch.memberships.filter(held=True).count()


class BatchItemsInput(serializers.Serializer):
    item_ids = serializers.ListField(
        child=IdField(),
        allow_empty=False,
        min_length=1,  # the schema's minItems; allow_empty gives the message
        max_length=MAX_ITEMS_PER_REQUEST,
    )


class BatchUploadInput(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), allow_empty=False, min_length=1
    )


class BatchItemFilterInput(serializers.Serializer):
    held = serializers.BooleanField(required=False, allow_null=True, default=None)
    flagged = serializers.BooleanField(required=False, allow_null=True, default=None)


class BatchItemDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)


class BatchItemOutput(serializers.ModelSerializer):
    file_name = serializers.CharField(source="item.file_name", read_only=True)
    width = serializers.IntegerField(source="item.width", read_only=True)
    height = serializers.IntegerField(source="item.height", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)

    class Meta:
        model = BatchItem
        fields = [
            "id",
            "batch",
            "item",
            "file_name",
            "width",
            "height",
            "held",
            "screened_at",
            "readable",
            "error",
            "flags",
            "measures",
            "sha256",
            "phash",
            "exact_group",
            "near_group",
            "hamming_to_keeper",
            "duplicate_of",
            "suggestion",
            "decision",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class DuplicateGroupOutput(serializers.Serializer):
    group = serializers.IntegerField()
    members = BatchItemOutput(many=True)


@extend_schema_field(settings_object_schema(ScreeningThresholds))
class ScreeningThresholdsField(serializers.DictField):
    """Overrides of labelqc.intake.ScreeningThresholds: checked by the service (a 400 names the
    threshold); the schema lists the known ones, since any other key is refused."""


class ScreeningSettingsInput(serializers.Serializer):
    thresholds = ScreeningThresholdsField(required=False, default=dict)
    hold_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=QUALITY_FLAGS), required=False
    )


class ScreeningSettingsOutput(serializers.Serializer):
    thresholds = serializers.SerializerMethodField()
    overrides = serializers.DictField(source="thresholds")
    hold_flags = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(allow_null=True)

    def get_thresholds(self, stored: ScreeningSettings) -> dict:
        return asdict(thresholds_of(stored))

    def get_hold_flags(self, stored: ScreeningSettings) -> list[str]:
        return hold_flags_of(stored)


class ScreeningRunOutput(serializers.ModelSerializer):
    job_status = serializers.CharField(source="job.status", default=None, read_only=True)
    progress_done = serializers.IntegerField(source="job.progress_done", default=0)
    progress_total = serializers.IntegerField(source="job.progress_total", default=0)

    class Meta:
        model = ScreeningRun
        fields = [
            "id",
            "batch",
            "job",
            "job_status",
            "progress_done",
            "progress_total",
            "status",
            "thresholds",
            "hold_flags",
            "summary",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class SamplingPlanInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=PlanMethod.choices, default=PlanMethod.TABLE)
    aql = serializers.FloatField()
    inspection_level = serializers.ChoiceField(choices=INSPECTION_LEVELS, default="II")
    ltpd = serializers.FloatField(required=False, allow_null=True, default=None)
    producer_risk = serializers.FloatField(default=0.05)
    consumer_risk = serializers.FloatField(default=0.10)
    review_mode = serializers.ChoiceField(choices=ReviewMode.choices, default=ReviewMode.BLIND)


@extend_schema_field({"type": "number", "format": "double", "enum": list(AQL_COLUMNS)})
class PreferredAqlField(serializers.FloatField):
    """Schema only: a table plan's AQL is a column of ISO 2859-1 Table 2-A (the core checks it,
    so the 400 keeps its message)."""


# Schema only: the method of each kind of plan. Wrapped in allOf so that drf-spectacular does
# not make it an enum component of its own, which would rename MethodEnum (field name clash).
@extend_schema_field({"allOf": [{"type": "string", "enum": [PlanMethod.TABLE.value]}]})
class TableMethodField(serializers.CharField):
    """The method of a table plan (also the default)."""


@extend_schema_field({"allOf": [{"type": "string", "enum": [PlanMethod.RISKS.value]}]})
class RisksMethodField(serializers.CharField):
    """The method of a risk-based plan."""


# The two kinds of plan, for the schema only (the PUT validates with SamplingPlanInput).
class TablePlanInput(SamplingPlanInput):
    """A table plan (the default method): the AQL is one of Table 2-A's preferred values."""

    method = TableMethodField(required=False, default=PlanMethod.TABLE)
    aql = PreferredAqlField()


def _open_interval(high: float) -> dict[str, Any]:
    """The schema of a number strictly between 0 and `high`."""
    return {
        "type": "number",
        "format": "double",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": high,
        "exclusiveMaximum": True,
    }


@extend_schema_field(_open_interval(100))
class PercentField(serializers.FloatField):
    """Schema only: a risk plan's AQL and LTPD are percentages in (0, 100) (the core checks)."""


@extend_schema_field(_open_interval(1))
class RiskField(serializers.FloatField):
    """Schema only: a risk plan's producer and consumer risks are in (0, 1) (the core checks)."""


class RiskPlanInput(SamplingPlanInput):
    """A risk-based plan: an AQL percentage, an LTPD above it, risks summing below 1."""

    method = RisksMethodField()
    aql = PercentField()
    ltpd = PercentField()
    producer_risk = RiskField(default=0.05)
    consumer_risk = RiskField(default=0.10)


def sampling_plan_input_schema() -> PolymorphicProxySerializer:
    """The schema of SamplingPlanInput: the preferred-AQL rule holds for table plans only, so
    a flat AQL enum would refuse valid risk-based plans."""
    return PolymorphicProxySerializer(
        component_name="SamplingPlanInput",
        serializers=[TablePlanInput, RiskPlanInput],
        resource_type_field_name=None,
    )


class SamplingPlanQuery(serializers.Serializer):
    batch_size = serializers.IntegerField(min_value=2, max_value=MAX_INT, required=False)
    batch = IdField(required=False)


class SamplingPlanOutput(serializers.ModelSerializer):
    class Meta:
        model = SamplingPlan
        fields = [
            "method",
            "aql",
            "inspection_level",
            "ltpd",
            "producer_risk",
            "consumer_risk",
            "review_mode",
            "updated_at",
        ]
        read_only_fields = fields


class InspectInput(serializers.Serializer):
    seed = serializers.IntegerField(min_value=0, max_value=MAX_SEED, required=False)


class InspectionOutput(serializers.ModelSerializer):
    batch_name = serializers.CharField(source="batch.name", read_only=True)
    n_reviewed = serializers.SerializerMethodField()

    class Meta:
        model = BatchInspection
        fields = [
            "id",
            "batch",
            "batch_name",
            "plan",
            "lot_size",
            "sample_size",
            "accept_number",
            "reject_number",
            "seed",
            "sampled_item_ids",
            "review_mode",
            "status",
            "rework_cycle",
            "n_reviewed",
            "n_defective",
            "defect_summary",
            "defects",
            "verdict",
            "reworked_assignments",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_n_reviewed(self, inspection: BatchInspection) -> int:
        return inspection.sampled.filter(reviewed_at__isnull=False).count()


class InspectionFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["open", "decided"], required=False)


class SampledItemOutput(serializers.ModelSerializer):
    """A sampled item as the reviewer sees it: never the delivered labels in blind mode."""

    file_name = serializers.CharField(source="item.file_name", read_only=True)
    width = serializers.IntegerField(source="item.width", read_only=True)
    height = serializers.IntegerField(source="item.height", read_only=True)
    image_url = serializers.SerializerMethodField()
    reviewed = serializers.SerializerMethodField()

    class Meta:
        model = InspectionItem
        fields = [
            "id",
            "inspection",
            "item",
            "file_name",
            "width",
            "height",
            "image_url",
            "reviewed",
            "reviewed_at",
            "reference",
            "marks",
            "note",
            "result",
            "defective",
        ]
        read_only_fields = fields

    def get_image_url(self, row: InspectionItem) -> str | None:
        return f"/api/items/{row.item_id}/image/" if row.item.file else None

    def get_reviewed(self, row: InspectionItem) -> bool:
        return row.reviewed_at is not None


class ReferenceShapeInput(serializers.Serializer):
    label_class = IdField()
    geometry_type = serializers.ChoiceField(
        choices=[GeometryType.BOX, GeometryType.POLYGON, GeometryType.MASK]
    )
    geometry = GeometryField()
    attributes = serializers.DictField(required=False, default=dict)


class ReferenceInput(serializers.Serializer):
    annotations = serializers.ListField(
        child=ReferenceShapeInput(), allow_empty=True, max_length=10_000
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class DefectMarksInput(serializers.Serializer):
    defects = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100_000),
        help_text=f"defect counts by type: {', '.join(DEFECT_TYPES)}",
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class TrendQuery(serializers.Serializer):
    by = serializers.ChoiceField(choices=list(GROUPS), default="batch")
    period = serializers.ChoiceField(choices=list(PERIODS), default="inspection")
    min_rate = serializers.FloatField(min_value=0.0, max_value=1.0, default=0.05)
    min_periods = serializers.IntegerField(min_value=1, max_value=1000, default=3)
