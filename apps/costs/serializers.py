"""Input and output shapes of the cost API. Value ranges are checked by labelqc.cost in the
services (so a negative rate is a 400 naming its field, e.g. "rate_amount"); numbers also have
the upper bounds of labelqc.cost.limits (beyond them costs could overflow a float), here so
that the schema states them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.ids import MAX_INT, IdField
from apps.costs.domain import (
    MAX_SEGMENTS,
    SEGMENT_KEYS,
    SEGMENT_REQUIRED,
    SEGMENT_TEXT_FIELDS,
)
from apps.costs.models import Budget, CostReport, Period, RateCard, RateUnit, Scenario
from apps.costs.services.tables import TABLE_NAMES
from labelqc.cost import RATE_UNITS
from labelqc.cost.limits import INPUT_LIMITS, MAX_BUDGET_AMOUNT, MAX_ITEMS
from labelqc.cost.plan import SEGMENT_INPUT_COLUMNS

optional_number = {"required": False, "allow_null": True}


def bounded_number(field: str, **kwargs: Any) -> serializers.FloatField:
    """A number in [0, its labelqc.cost.limits bound]: a larger one is a 400 naming the field."""
    return serializers.FloatField(min_value=0, max_value=INPUT_LIMITS[field], **kwargs)


@extend_schema_field(
    {
        "type": "number",
        "format": "double",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": INPUT_LIMITS["batch_size"],
    }
)
class PositiveNumberField(serializers.FloatField):
    """A batch size: labelqc.cost requires > 0 (it checks it, so the 400 keeps its message) and
    at most its limit; the schema says so, or clients would be told 0 is valid."""


def _segment_property(key: str) -> dict[str, Any]:
    """The schema of one segment key, as apps.costs.domain checks it (required keys non-null)."""
    schema: dict[str, Any] = (
        {"type": "string", "maxLength": 200} if key in SEGMENT_TEXT_FIELDS else {"type": "number"}
    )
    if key in INPUT_LIMITS:  # labelqc.cost refuses more: the costs could overflow a float
        schema.update(minimum=0, maximum=INPUT_LIMITS[key])
        if key == "batch_size":
            schema["exclusiveMinimum"] = True
    if key == "rate_unit":  # the reviewer's unit is checked only with a reviewer amount
        schema["enum"] = list(RATE_UNITS)
    return schema if key in SEGMENT_REQUIRED else {**schema, "nullable": True}


SEGMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {key: _segment_property(key) for key in (*SEGMENT_INPUT_COLUMNS, *SEGMENT_KEYS)},
    "required": list(SEGMENT_REQUIRED),
    "additionalProperties": False,
}


@extend_schema_field(
    {"type": "array", "items": SEGMENT_SCHEMA, "minItems": 1, "maxItems": MAX_SEGMENTS}
)
class SegmentsField(serializers.JSONField):
    """A scenario's segments. Checked by labelqc.cost in the service (so a 400 names
    "segments[i].<field>"); the schema gives their shape from the same key lists."""


class RateCardInput(serializers.Serializer):
    vendor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    cohort = IdField(required=False, allow_null=True)
    rate_unit = serializers.ChoiceField(choices=RateUnit.choices)
    rate_amount = bounded_number("rate_amount")
    reviewer_rate_unit = serializers.ChoiceField(
        choices=RateUnit.choices, required=False, allow_null=True, allow_blank=True
    )
    reviewer_rate_amount = bounded_number("reviewer_rate_amount", **optional_number)
    correction_effort = bounded_number("correction_effort", **optional_number)
    engineering_cost_per_batch = bounded_number("engineering_cost_per_batch", **optional_number)
    # > 0 checked by labelqc.cost (its message kept), like engineering cost per item <= 1e6.
    batch_size = PositiveNumberField(max_value=INPUT_LIMITS["batch_size"], **optional_number)
    remediation_cost_per_escape = bounded_number("remediation_cost_per_escape", **optional_number)
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
    amount = serializers.FloatField(min_value=0, max_value=MAX_BUDGET_AMOUNT)
    currency = serializers.CharField(max_length=8, required=False)
    period = serializers.ChoiceField(choices=Period.choices, required=False)
    per_period_amount = serializers.FloatField(
        min_value=0, max_value=MAX_BUDGET_AMOUNT, **optional_number
    )
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
    segments = SegmentsField()
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
    scenarios = serializers.DictField(child=SegmentsField(), required=False, default=dict)
    baseline = serializers.CharField(max_length=120, required=False)
    tornado = serializers.BooleanField(required=False, default=True)
    relative_delta = serializers.FloatField(
        required=False, default=0.1, min_value=0.0, max_value=0.99
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs["scenario_ids"] and not attrs["scenarios"]:
            # Each field named under its own key (either one may be given, or both).
            raise serializers.ValidationError(
                {
                    "scenario_ids": ["is required when no inline scenarios are given"],
                    "scenarios": ["is required when no scenario_ids are given"],
                }
            )
        return attrs


class CostReportStartInput(serializers.Serializer):
    period = serializers.ChoiceField(choices=Period.choices, required=False)
    confidence = serializers.FloatField(required=False, min_value=0.5, max_value=0.999)
    # Labels still to be accepted; default: planned labels - accepted so far.
    remaining_labels = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=MAX_ITEMS
    )


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
