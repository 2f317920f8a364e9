from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.annotations.models import Source
from apps.common.ids import IdField
from apps.interop.conf import max_import_bytes
from apps.interop.selectors import ExportFilter
from apps.interop.services.exports import ANNOTATION_FORMATS, QA_FORMATS, ExportOptions
from apps.interop.services.imports import ImportOptions
from apps.projects.models import Annotator, LabelClass

IMPORT_FORMATS = ("coco", "yolo", "voc", "cvat", "label_studio")
IMPORT_SOURCES = (Source.HUMAN, Source.PRELABEL, Source.GOLD)


class ImportOptionsInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=IMPORT_FORMATS)
    create_missing_classes = serializers.BooleanField(default=False)
    create_missing_annotators = serializers.BooleanField(
        default=False, help_text="add unknown annotator names as users and project annotators"
    )
    match_images_by = serializers.ChoiceField(
        choices=("file_name", "basename", "sha256"), default="file_name"
    )
    source = serializers.ChoiceField(
        choices=IMPORT_SOURCES,
        default=Source.HUMAN,
        help_text="what the file's annotations become (its own predictions stay pre-labels)",
    )
    annotator = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        default="",
        help_text="annotator name credited with work the file does not attribute (YOLO, VOC)",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    allow_duplicate = serializers.BooleanField(
        default=False,
        help_text="import the file even if the project already has an import of it (same SHA-256)",
    )

    def to_options(self) -> ImportOptions:
        return ImportOptions(**self.validated_data)


class ImportInput(ImportOptionsInput):
    file = serializers.FileField(
        allow_empty_file=False,
        help_text="JSON (COCO, Label Studio), XML (CVAT, one VOC file) or a zip (YOLO, VOC)",
    )

    def validate_file(self, value: Any) -> Any:
        cap = max_import_bytes()
        if value.size > cap:
            raise serializers.ValidationError(f"{value.size} bytes is over the {cap}-byte cap")
        return value

    def to_options(self) -> ImportOptions:
        data = {k: v for k, v in self.validated_data.items() if k != "file"}
        return ImportOptions(**data)


class ExportInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=ANNOTATION_FORMATS + QA_FORMATS)
    sources = serializers.ListField(
        child=serializers.ChoiceField(choices=Source.choices),
        allow_empty=False,
        min_length=1,  # the schema's minItems; allow_empty gives the message
        default=[Source.HUMAN],
    )
    approved_only = serializers.BooleanField(
        default=False, help_text="only work whose assignment's latest review approved it"
    )
    annotators = serializers.ListField(child=IdField(), default=list, max_length=10_000)
    classes = serializers.ListField(child=IdField(), default=list, max_length=10_000)
    created_after = serializers.DateTimeField(required=False, allow_null=True, default=None)
    created_before = serializers.DateTimeField(required=False, allow_null=True, default=None)
    merge_annotators = serializers.BooleanField(
        default=False, help_text="YOLO, VOC, CVAT: pool several annotators' work in one file"
    )
    as_boxes = serializers.BooleanField(
        default=False, help_text="YOLO, VOC: write polygons and masks as their boxes"
    )
    unsupported = serializers.ChoiceField(choices=("error", "drop"), default="error")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_annotators(self, value: list[int]) -> list[int]:
        known = set(
            Annotator.objects.filter(
                project_id=self.context["project_id"], pk__in=value
            ).values_list("pk", flat=True)
        )
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(f"not annotators of this project: {unknown}")
        return value

    def validate_classes(self, value: list[int]) -> list[int]:
        known = set(
            LabelClass.objects.filter(
                project_id=self.context["project_id"], pk__in=value
            ).values_list("pk", flat=True)
        )
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(f"not classes of this project: {unknown}")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        after, before = attrs.get("created_after"), attrs.get("created_before")
        if after and before and after >= before:
            raise serializers.ValidationError({"created_before": "must be after created_after"})
        if attrs["format"] in QA_FORMATS and list(attrs["sources"]) != [Source.HUMAN]:
            raise serializers.ValidationError(
                {"sources": "a QA report scores human work against gold: leave it ['human']"}
            )
        return attrs

    def to_options(self) -> ExportOptions:
        data = self.validated_data
        filters = ExportFilter(
            sources=tuple(dict.fromkeys(data["sources"])),
            approved_only=data["approved_only"],
            annotators=tuple(data["annotators"]),
            classes=tuple(data["classes"]),
            created_after=data["created_after"],
            created_before=data["created_before"],
        )
        return ExportOptions(
            format=data["format"],
            filters=filters,
            merge_annotators=data["merge_annotators"],
            as_boxes=data["as_boxes"],
            unsupported=data["unsupported"],
            reason=data["reason"],
        )
