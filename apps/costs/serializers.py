"""Input and output shapes of the cost API. Value ranges are checked by labelqc.cost in the
services (so a negative rate is a 400 naming its field, e.g. "rate_amount")."""

from __future__ import annotations

from rest_framework import serializers

from apps.common.ids import MAX_INT, IdField
from apps.costs.models import Budget, CostReport, Period, RateCard, RateUnit, Scenario
from apps.costs.services.tables import TABLE_NAMES

optional_number = {"required": False, "allow_null": True}


class RateCardInput(serializers.Serializer):
    vendor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    cohort = IdField(required=False, allow_null=True)
    rate_unit = serializers.ChoiceField(choices=RateUnit.choices)
    rate_amount = serializers.FloatField()
    reviewer_rate_unit = serializers.ChoiceField(
        choices=RateUnit.choices, required=False, allow_null=True, allow_blank=True
    )
    reviewer_rate_amount = serializers.FloatField(**optional_number)
    correction_effort = serializers.FloatField(**optional_number)
    engineering_cost_per_batch = serializers.FloatField(**optional_number)
    batch_size = serializers.FloatField(**optional_number)
    remediation_cost_per_escape = serializers.FloatField(**optional_number)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RateCardOutput(serializers.ModelSerializer):
    cohort_name = serializers.CharField(source="cohort.name", default=None, read_only=True)

    class Meta:
        model = RateCard
        fields = [
            "id",
            "vendor",
            "cohort",
            "cohort_name",
            "rate_unit",
            "rate_amount",
            "reviewer_rate_unit",
            "reviewer_rate_amount",
            "correction_effort",
            "engineering_cost_per_batch",
            "batch_size",
            "remediation_cost_per_escape",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BudgetInput(serializers.Serializer):
    amount = serializers.FloatField()
    currency = serializers.CharField(max_length=8, required=False)
    period = serializers.ChoiceField(choices=Period.choices, required=False)
    per_period_amount = serializers.FloatField(**optional_number)
    planned_labels = serializers.IntegerField(min_value=0, max_value=MAX_INT, **optional_number)


class BudgetOutput(serializers.ModelSerializer):
    class Meta:
        model = Budget
        fields = [
            "amount",
            "currency",
            "period",
            "per_period_amount",
            "planned_labels",
            "updated_at",
        ]
        read_only_fields = fields


class ScenarioInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    # Validated by labelqc.cost in the service (errors name "segments[i].<field>").
    segments = serializers.JSONField()
    is_baseline = serializers.BooleanField(required=False, default=False)


class ScenarioOutput(serializers.ModelSerializer):
    class Meta:
        model = Scenario
        fields = ["id", "name", "description", "segments", "is_baseline", "updated_at"]
        read_only_fields = fields


class ScenarioCompareInput(serializers.Serializer):
    scenario_ids = serializers.ListField(
        child=IdField(), required=False, default=list, max_length=10
    )
    # name -> segments, compared without being stored.
    scenarios = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    baseline = serializers.CharField(max_length=120, required=False)
    tornado = serializers.BooleanField(required=False, default=True)
    relative_delta = serializers.FloatField(
        required=False, default=0.1, min_value=0.0, max_value=0.99
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs["scenario_ids"] and not attrs["scenarios"]:
            raise serializers.ValidationError(
                {"scenarios": ["give scenario_ids, inline scenarios, or both"]}
            )
        return attrs


class CostReportStartInput(serializers.Serializer):
    period = serializers.ChoiceField(choices=Period.choices, required=False)
    confidence = serializers.FloatField(required=False, min_value=0.5, max_value=0.999)
    # Labels still to be accepted; default: planned labels - accepted so far.
    remaining_labels = serializers.FloatField(required=False, allow_null=True, min_value=0)


class CostReportSummaryOutput(serializers.ModelSerializer):
    class Meta:
        model = CostReport
        fields = ["id", "status", "params", "errors", "job", "created_at", "finished_at"]
        read_only_fields = fields


class CostReportOutput(serializers.ModelSerializer):
    tables = serializers.SerializerMethodField()

    class Meta:
        model = CostReport
        fields = [
            "id",
            "status",
            "params",
            "result",
            "errors",
            "tables",
            "job",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_tables(self, report: CostReport) -> list[str]:
        """Table names available as CSV (GET /api/cost-reports/{id}/csv/?table=...)."""
        return list(TABLE_NAMES) if report.result else []


class CostCsvInput(serializers.Serializer):
    table = serializers.ChoiceField(choices=TABLE_NAMES)
