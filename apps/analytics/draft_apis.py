"""Draft review (who keeps the model's drafts as they are, and who passes wrong ones through)
and draft quality (how good each model version's drafts were)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.analytics.draft_quality import draft_quality_rows
from apps.analytics.draft_review import default_params, draft_review
from apps.common.ids import IdField
from apps.common.roles import MANAGERS
from apps.common.views import RoleScopedApi
from apps.projects.models import Cohort, LabelClass
from labelqc.drift.series import SeriesInputError, check_window


class DraftWindowQuery(serializers.Serializer):
    """The filters both draft endpoints take: submission time, cohort, class."""

    since = serializers.DateTimeField(required=False, default=None)
    until = serializers.DateTimeField(required=False, default=None)
    cohort = IdField(required=False, default=None)
    label_class = IdField(required=False, default=None)

    def validate_cohort(self, value: int | None) -> int | None:
        project_id = self.context["project_id"]
        if value and not Cohort.objects.filter(pk=value, project_id=project_id).exists():
            raise serializers.ValidationError("is not a cohort of this project")
        return value

    def validate_label_class(self, value: int | None) -> int | None:
        project_id = self.context["project_id"]
        if value and not LabelClass.objects.filter(pk=value, project_id=project_id).exists():
            raise serializers.ValidationError("is not a class of this project")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["since"] and attrs["until"] and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "must be after since"})
        return attrs


class DraftReviewQuery(DraftWindowQuery):
    kept_iou = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    max_pass_through = serializers.FloatField(
        required=False, default=0.25, min_value=0.0, max_value=0.99
    )
    min_wrong_drafts = serializers.IntegerField(
        required=False, default=5, min_value=1, max_value=10_000
    )
    window = serializers.CharField(required=False, default=None, max_length=16)

    def validate_window(self, value: str | None) -> str | None:
        if value is not None:
            try:
                check_window(value)
            except SeriesInputError as error:
                raise serializers.ValidationError(str(error).removeprefix("window: ")) from error
        return value


class DraftReviewAnnotatorOutput(serializers.Serializer):
    annotator_id = serializers.IntegerField()
    username = serializers.CharField()
    drafts_reviewed = serializers.IntegerField()
    kept = serializers.IntegerField()
    kept_share = serializers.FloatField(allow_null=True)
    gold_drafts = serializers.IntegerField()
    wrong_drafts = serializers.IntegerField()
    passed_through = serializers.IntegerField()
    passed_wrong_class = serializers.IntegerField()
    passed_poor_box = serializers.IntegerField()
    passed_spurious = serializers.IntegerField()
    pass_through_rate = serializers.FloatField(allow_null=True)
    pass_through_low = serializers.FloatField(allow_null=True)
    pass_through_high = serializers.FloatField(allow_null=True)
    over_trusts = serializers.BooleanField()
    passed_items = serializers.ListField(child=serializers.IntegerField())


class DraftReviewTotalsOutput(serializers.Serializer):
    drafts_reviewed = serializers.IntegerField()
    kept_share = serializers.FloatField(allow_null=True)
    gold_drafts = serializers.IntegerField()
    wrong_gold_drafts = serializers.IntegerField()
    draft_error_rate = serializers.FloatField(allow_null=True)
    wrong_by_kind = serializers.DictField(child=serializers.IntegerField())
    wrong_draft_reviews = serializers.IntegerField()
    passed_through = serializers.IntegerField()
    pass_through_rate = serializers.FloatField(allow_null=True)


class DraftReviewWindowOutput(serializers.Serializer):
    annotator_id = serializers.IntegerField()
    username = serializers.CharField()
    window_start = serializers.DateTimeField()
    wrong_drafts = serializers.IntegerField()
    passed_through = serializers.IntegerField()
    pass_through_rate = serializers.FloatField()


class DraftReviewOutput(serializers.Serializer):
    params = serializers.DictField()
    totals = DraftReviewTotalsOutput()
    annotators = DraftReviewAnnotatorOutput(many=True)
    window = serializers.CharField(allow_null=True)
    by_window = DraftReviewWindowOutput(many=True, allow_null=True)


class DraftReviewApi(RoleScopedApi):
    """Per annotator: the share of drafts kept as they are and, on gold items, the wrong drafts
    (wrong class, poor box, spurious) passed through, with a Wilson interval; `over_trusts` when
    the interval's lower bound is above `max_pass_through`. `kept_iou` defaults to the project's
    "approved as is" IoU; `label_class` selects drafts by the draft's class (a person drafted as
    a car counts under car). With `window` (a fixed frequency such as 7D), `by_window` gives
    each annotator's pass-through per window of submission time."""

    access = {"GET": MANAGERS}

    @extend_schema(parameters=[DraftReviewQuery], responses=DraftReviewOutput)
    def get(self, request: Request, project_id: int) -> Response:
        query = DraftReviewQuery(data=request.query_params, context={"project_id": self.project_id})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        params = default_params(
            self.project_id,
            kept_iou=data.get("kept_iou"),
            max_pass_through=data["max_pass_through"],
            min_wrong_drafts=data["min_wrong_drafts"],
        )
        result = draft_review(
            project_id=self.project_id,
            since=data["since"],
            until=data["until"],
            cohort_id=data["cohort"],
            class_id=data["label_class"],
            params=params,
            window=data["window"],
        )
        return Response(DraftReviewOutput(result).data)


class DraftQualityQuery(DraftWindowQuery):
    model_id = serializers.CharField(required=False, default=None, max_length=200)


class DraftQualityRowOutput(serializers.Serializer):
    model_id = serializers.CharField()
    label_class = serializers.IntegerField(allow_null=True)
    class_name = serializers.CharField()
    drafts = serializers.IntegerField()
    kept = serializers.IntegerField()
    deleted = serializers.IntegerField()
    added = serializers.IntegerField()
    approved_as_is = serializers.IntegerField()
    minor_edit = serializers.IntegerField()
    redrawn = serializers.IntegerField()
    relabeled = serializers.IntegerField()
    precision = serializers.FloatField(allow_null=True)
    recall = serializers.FloatField(allow_null=True)
    approved_as_is_share = serializers.FloatField(allow_null=True)
    mean_iou = serializers.FloatField(allow_null=True)


class DraftQualityOutput(serializers.Serializer):
    rows = DraftQualityRowOutput(many=True)


class DraftQualityApi(RoleScopedApi):
    """How good each model version's drafts were, judged by what the annotators kept: per model
    and class, then per model over all classes (`label_class` null). `precision` = drafts kept in
    some form / drafts; `recall` = kept drafts / (kept drafts + shapes the annotators added);
    the kept drafts' effort mix (approved as is, minor edit, redrawn, relabeled) and mean IoU with
    their final shapes. Counted from submissions in [`since`, `until`), by annotators of `cohort`
    when given; `label_class` selects a
    kept draft by the draft's class and an added shape by its own; `model_id` selects one model
    (several models' drafts on one item are reported under their ids joined by "+")."""

    access = {"GET": MANAGERS}

    @extend_schema(parameters=[DraftQualityQuery], responses=DraftQualityOutput)
    def get(self, request: Request, project_id: int) -> Response:
        query = DraftQualityQuery(
            data=request.query_params, context={"project_id": self.project_id}
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = draft_quality_rows(
            project_id=self.project_id,
            since=data["since"],
            until=data["until"],
            cohort_id=data["cohort"],
            class_id=data["label_class"],
            model_id=data["model_id"],
        )
        return Response(DraftQualityOutput({"rows": rows}).data)
