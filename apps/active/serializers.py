from __future__ import annotations

from rest_framework import serializers

from apps.active.models import ActiveLearningPick, ActiveLearningRound
from apps.active.services import STRATEGIES
from labelqc.active.features import FEATURE_KINDS, IMAGE_STATS


class RoundInput(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=STRATEGIES)
    batch_size = serializers.IntegerField(min_value=1, max_value=10_000)
    features = serializers.ChoiceField(choices=FEATURE_KINDS, default=IMAGE_STATS)
    seed = serializers.IntegerField(min_value=0, max_value=2**32 - 1, default=0)
    down_weight_below_gold = serializers.FloatField(
        min_value=0.0, max_value=1.0, required=False, allow_null=True, default=None,
        help_text="annotators whose mean gold accuracy a is below this get weight a / value "
        "for the labels they drew (null: every label weighs 1)",
    )  # fmt: skip
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class PickOutput(serializers.ModelSerializer):
    class Meta:
        model = ActiveLearningPick
        fields = ["item", "rank", "score", "priority_before", "priority_after"]
        read_only_fields = fields


class RoundOutput(serializers.ModelSerializer):
    job_status = serializers.CharField(source="job.status", default=None, read_only=True)

    class Meta:
        model = ActiveLearningRound
        fields = [
            "id",
            "project",
            "job",
            "job_status",
            "strategy",
            "batch_size",
            "features",
            "seed",
            "down_weight_below_gold",
            "status",
            "model",
            "pool",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class RoundDetailOutput(RoundOutput):
    picks = PickOutput(many=True, read_only=True)

    class Meta(RoundOutput.Meta):
        fields = [*RoundOutput.Meta.fields, "picks"]
        read_only_fields = fields
