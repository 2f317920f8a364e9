from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import serializers

from apps.analytics.models import QualityReport
from apps.common.ids import IdField
from apps.projects.models import Annotator, Cohort, LabelClass
from labelqc.drift.series import SeriesInputError, check_window

# More ids than any filter needs, and few enough for one IN (...) query on every backend.
MAX_FILTER_IDS = 10_000


def _ids_field() -> serializers.ListField:
    return serializers.ListField(
        child=IdField(), required=False, default=list, max_length=MAX_FILTER_IDS
    )


class ReportStartInput(serializers.Serializer):
    """Needs the project in its context ({"project_id": ...}): the ids must be the project's."""

    since = serializers.DateTimeField(required=False, allow_null=True, default=None)
    until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    class_ids = _ids_field()
    cohort_ids = _ids_field()
    annotator_ids = _ids_field()
    window = serializers.CharField(required=False, default="1D", max_length=16)
    shards = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=64, default=None
    )

    def _in_project(self, model: type[Model], noun: str, ids: list[int]) -> list[int]:
        # A report filtered on another project's (or no) class would run over nothing and
        # look like a clean result: refuse it as the other endpoints do.
        found = set(
            model.objects.filter(project_id=self.context["project_id"], pk__in=ids).values_list(
                "pk", flat=True
            )
        )
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            raise serializers.ValidationError(
                [f"{noun} {i} is not in this project" for i in missing]
            )
        return ids

    def validate_class_ids(self, value: list[int]) -> list[int]:
        return self._in_project(LabelClass, "class", value)

    def validate_cohort_ids(self, value: list[int]) -> list[int]:
        return self._in_project(Cohort, "cohort", value)

    def validate_annotator_ids(self, value: list[int]) -> list[int]:
        return self._in_project(Annotator, "annotator", value)

    def validate_window(self, value: str) -> str:
        try:
            check_window(value)
        except SeriesInputError as error:
            raise serializers.ValidationError(str(error).removeprefix("window: ")) from error
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
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
