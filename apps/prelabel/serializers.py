from __future__ import annotations

from rest_framework import serializers

from apps.annotations.models import Source
from apps.common.ids import MAX_INT, IdField
from apps.prelabel.conf import config_path, load_sam2_file
from apps.prelabel.models import PrelabelItem, VideoReviewFlag

SELECTIONS = (
    ("ids", "the items in item_ids"),
    ("unlabeled", "items without human or consensus annotations (honeypots included)"),
    ("all", "every item of the project"),
)
PROMPT_SOURCES = (Source.HUMAN, Source.PRELABEL, Source.CONSENSUS, "none")


def max_points() -> int:
    return load_sam2_file(config_path()).max_points


class PrelabelJobInput(serializers.Serializer):
    selection = serializers.ChoiceField(choices=SELECTIONS, default="unlabeled")
    item_ids = serializers.ListField(
        child=IdField(),
        required=False,
        default=list,
        max_length=100_000,
    )
    prompt_source = serializers.ChoiceField(
        choices=PROMPT_SOURCES,
        default=Source.HUMAN,
        help_text="whose box annotations become box prompts: human, prelabel (imported or "
        "detector boxes, see prompt_model_id), consensus, or none (automatic masks, SAM 2 only)",
    )
    prompt_model_id = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True,
        help_text="only boxes with this model_id (e.g. a detector's) are prompts",
    )  # fmt: skip
    automatic = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="automatic masks for items without prompt boxes (SAM 2 only; they get "
        "label_class); default: on when label_class is given",
    )  # fmt: skip
    label_class = IdField(
        required=False, allow_null=True, default=None,
        help_text="class of masks whose prompt carries none (automatic masks)",
    )  # fmt: skip
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)

    def validate(self, attrs: dict) -> dict:
        if attrs["selection"] == "ids" and not attrs["item_ids"]:
            raise serializers.ValidationError({"item_ids": ["list the items to pre-label"]})
        if attrs["item_ids"] and attrs["selection"] != "ids":
            raise serializers.ValidationError({"selection": ["item_ids go with selection 'ids'"]})
        return attrs


class PromptInput(serializers.Serializer):
    points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        required=False,
        default=list,
    )
    labels = serializers.ListField(
        child=serializers.IntegerField(
            min_value=0, max_value=1, help_text="1 positive, 0 negative"
        ),
        required=False,
        default=list,
    )
    box = serializers.ListField(
        child=serializers.FloatField(), min_length=4, max_length=4, required=False, allow_null=True,
        default=None,
    )  # fmt: skip

    def validate_points(self, value: list) -> list:
        if len(value) > max_points():
            raise serializers.ValidationError(f"at most {max_points()} points per request")
        return value


class PromptOutput(serializers.Serializer):
    rle = serializers.DictField()
    bbox = serializers.ListField(child=serializers.FloatField())
    area = serializers.FloatField()
    score = serializers.FloatField(allow_null=True)
    uncertainty = serializers.FloatField(allow_null=True)
    uncertainty_reason = serializers.CharField(allow_null=True)
    predicted_iou = serializers.FloatField(allow_null=True)
    backend = serializers.CharField()
    model_id = serializers.CharField()
    embedding = serializers.CharField(
        allow_null=True, help_text="SAM 2: computed, cache or memory; null for GrabCut"
    )


class KeyframePromptInput(PromptInput):
    frame_index = serializers.IntegerField(min_value=0, max_value=MAX_INT)
    object = serializers.IntegerField(
        min_value=0, max_value=MAX_INT, help_text="track id of the object"
    )
    label_class = IdField(required=False, allow_null=True, default=None)


class PropagateInput(serializers.Serializer):
    prompts = serializers.ListField(child=KeyframePromptInput(), min_length=1, max_length=1000)
    label_class = IdField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class BackendOutput(serializers.Serializer):
    backend = serializers.CharField()
    model = serializers.CharField(allow_null=True)
    video = serializers.BooleanField()
    automatic_masks = serializers.BooleanField()
    note = serializers.CharField()


class PrelabelItemOutput(serializers.ModelSerializer):
    class Meta:
        model = PrelabelItem
        fields = [
            "id",
            "item",
            "status",
            "backend",
            "model_id",
            "n_prompts",
            "n_masks",
            "uncertainty_max",
            "uncertainty_mean",
            "detail",
            "annotation_ids",
            "finished_at",
        ]
        read_only_fields = fields


class ReviewFlagOutput(serializers.ModelSerializer):
    class Meta:
        model = VideoReviewFlag
        fields = [
            "id",
            "job",
            "item",
            "frame_index",
            "track_id",
            "flags",
            "occluded",
            "area",
            "predicted_iou",
            "uncertainty",
            "annotation",
        ]
        read_only_fields = fields


class ReviewFlagFilterInput(serializers.Serializer):
    job = IdField(required=False)
