"""Input and output shapes of the intake API. Ranges and combinations (thresholds, AQL, risks)
are checked by labelqc.intake in the services, so a bad value is a 400 naming its field."""

from __future__ import annotations

from dataclasses import asdict

from rest_framework import serializers

from apps.annotations.models import GeometryType
from apps.annotations.serializers import GeometryField
from apps.common.ids import MAX_INT, IdField
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
from labelqc.intake import DEFECT_TYPES, QUALITY_FLAGS
from labelqc.intake.sampling_tables import INSPECTION_LEVELS

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
        max_length=MAX_ITEMS_PER_REQUEST,
    )


class BatchUploadInput(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), allow_empty=False
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


class ScreeningSettingsInput(serializers.Serializer):
    thresholds = serializers.DictField(required=False, default=dict)
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
