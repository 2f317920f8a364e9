from __future__ import annotations

from rest_framework import serializers

from apps.analytics.models import QualityReport
from apps.common.ids import IdField


class ReportStartInput(serializers.Serializer):
    since = serializers.DateTimeField(required=False, allow_null=True, default=None)
    until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    class_ids = serializers.ListField(child=IdField(), required=False, default=list)
    cohort_ids = serializers.ListField(child=IdField(), required=False, default=list)
    annotator_ids = serializers.ListField(child=IdField(), required=False, default=list)
    window = serializers.CharField(required=False, default="1D", max_length=16)
    shards = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=64, default=None
    )

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "must be after since"})
        return attrs


class ReportSummaryOutput(serializers.ModelSerializer):
    class Meta:
        model = QualityReport
        fields = [
            "id",
            "status",
            "filters",
            "params",
            "n_shards",
            "error",
            "job",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ReportOutput(ReportSummaryOutput):
    class Meta(ReportSummaryOutput.Meta):
        fields = [*ReportSummaryOutput.Meta.fields, "result"]
        read_only_fields = fields


class ConsensusInput(serializers.Serializer):
    iou_threshold = serializers.FloatField(
        required=False, default=0.5, min_value=0.05, max_value=1.0
    )
    min_annotators = serializers.IntegerField(required=False, default=2, min_value=2, max_value=20)
    weighting = serializers.ChoiceField(
        choices=["none", "gold", "dawid_skene"], required=False, default="gold"
    )
