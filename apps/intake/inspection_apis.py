"""Acceptance API: the sampling plan, inspections and their review, decisions, defect trends.

QA managers, project leads and admins manage plans, start and decide inspections and read the
trends; reviewers see the sampled items and submit reference labels (blind mode) or defect
marks (direct mode). In blind mode no endpoint here returns the delivered labels before the
decision.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.annotations.serializers import AnnotationOutput
from apps.common.roles import MANAGERS, Role
from apps.common.views import RoleScopedApi
from apps.intake import selectors, services
from apps.intake.apis import BatchScoped, valid
from apps.intake.models import Batch, BatchInspection, ReviewMode, SamplingPlan
from apps.intake.serializers import (
    DefectMarksInput,
    InspectInput,
    InspectionFilterInput,
    InspectionOutput,
    ReferenceInput,
    SampledItemOutput,
    SamplingPlanInput,
    SamplingPlanOutput,
    SamplingPlanQuery,
    TrendQuery,
    sampling_plan_input_schema,
)

INSPECTORS = MANAGERS | {Role.REVIEWER}


class SamplingPlanApi(RoleScopedApi):
    access = {"GET": MANAGERS, "PUT": MANAGERS}

    @extend_schema(
        parameters=[SamplingPlanQuery],
        responses=dict,
        description="The setting; with ?batch_size=N or ?batch=ID also the plan for that lot "
        "and its operating characteristic (OC) curve.",
    )
    def get(self, request: Request, project_id: int) -> Response:
        query = valid(SamplingPlanQuery, request.query_params)
        setting = get_object_or_404(SamplingPlan, project_id=self.project_id)
        body: dict = {"setting": SamplingPlanOutput(setting).data}
        lot_size = query.get("batch_size")
        if "batch" in query:
            batch = get_object_or_404(Batch, pk=query["batch"], project_id=self.project_id)
            lot_size = len(selectors.lot_item_ids(batch))
            body["batch"] = batch.pk
        if lot_size is not None:
            body.update(services.plan_payload(services.core_plan(setting, lot_size)))
        return Response(body)

    @extend_schema(request=sampling_plan_input_schema(), responses=SamplingPlanOutput)
    def put(self, request: Request, project_id: int) -> Response:
        """Create or replace the project's sampling plan: an ISO 2859-1 table plan (AQL, inspection
        level) or a risk-based one (AQL, LTPD, producer and consumer risks), and the review mode; a
        400 when no plan can be built from it."""
        setting = services.plan_set(
            actor=request.user,
            project_id=self.project_id,
            data=valid(SamplingPlanInput, request.data),
        )
        return Response(SamplingPlanOutput(setting).data)


class BatchInspectionsApi(BatchScoped):
    """The batch's acceptance inspections, newest first; paginated."""

    access = {"GET": MANAGERS}

    @extend_schema(responses=InspectionOutput(many=True))
    def get(self, request: Request, batch_id: int) -> Response:
        return self.paginate(request, self.batch().inspections.all(), InspectionOutput)


class BatchInspectApi(BatchScoped):
    access = {"POST": MANAGERS}

    @extend_schema(
        request=InspectInput,
        responses={201: InspectionOutput},
        description="Draw the sample by the project's plan (seed stored; give one to replay).",
    )
    def post(self, request: Request, batch_id: int) -> Response:
        seed = valid(InspectInput, request.data).get("seed")
        inspection = services.inspection_start(actor=request.user, batch=self.batch(), seed=seed)
        return Response(InspectionOutput(inspection).data, status=status.HTTP_201_CREATED)


class ProjectInspectionsApi(RoleScopedApi):
    """Acceptance inspections of the project's batches, newest first, optionally only `open` or
    `decided` ones; reviewers may read them too; paginated."""

    access = {"GET": INSPECTORS}

    @extend_schema(parameters=[InspectionFilterInput], responses=InspectionOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        filters = valid(InspectionFilterInput, request.query_params)
        rows = selectors.inspections_of(project_id=self.project_id, **filters)
        return self.paginate(request, rows, InspectionOutput)


class InspectionScoped(RoleScopedApi):
    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            BatchInspection.objects.select_related("batch").only("batch__project_id"),
            pk=self.kwargs["inspection_id"],
        ).batch.project_id

    def inspection(self) -> BatchInspection:
        return BatchInspection.objects.select_related("batch").get(pk=self.kwargs["inspection_id"])


class InspectionDetailApi(InspectionScoped):
    """One inspection: plan, sample, review progress and, once decided, the verdict and defect
    summary."""

    access = {"GET": INSPECTORS}

    @extend_schema(responses=InspectionOutput)
    def get(self, request: Request, inspection_id: int) -> Response:
        return Response(InspectionOutput(self.inspection()).data)


class InspectionItemsApi(InspectionScoped):
    """The inspection's sampled items by item id, with whether each is reviewed (never the delivered
    labels); paginated."""

    access = {"GET": INSPECTORS}

    @extend_schema(responses=SampledItemOutput(many=True))
    def get(self, request: Request, inspection_id: int) -> Response:
        rows = self.inspection().sampled.select_related("item")
        return self.paginate(request, rows, SampledItemOutput)


class InspectionItemDetailApi(InspectionScoped):
    """The sampled item for its reviewer: the delivered labels only in direct mode."""

    access = {"GET": INSPECTORS}

    @extend_schema(responses=SampledItemOutput)
    def get(self, request: Request, inspection_id: int, item_id: int) -> Response:
        inspection = self.inspection()
        row = selectors.sampled_item(inspection=inspection, item_id=item_id)
        if row is None:
            raise Http404(f"item {item_id} is not in this sample")
        body = {**SampledItemOutput(row).data, "review_mode": inspection.review_mode}
        if inspection.review_mode == ReviewMode.DIRECT:
            delivered = selectors.delivered_annotations(
                project_id=inspection.batch.project_id, item_id=item_id
            )
            body["delivered"] = AnnotationOutput(delivered, many=True).data
        return Response(body)


class InspectionReferenceApi(InspectionScoped):
    access = {"POST": INSPECTORS}

    @extend_schema(
        request=ReferenceInput,
        responses={201: SampledItemOutput},
        description="Blind mode: the reviewer's own labels for the sampled item (replaces any).",
    )
    def post(self, request: Request, inspection_id: int, item_id: int) -> Response:
        payload = valid(ReferenceInput, request.data)
        row = services.reference_submit(
            actor=request.user,
            inspection=self.inspection(),
            item_id=item_id,
            records=payload["annotations"],
            note=payload["note"],
        )
        return Response(SampledItemOutput(row).data, status=status.HTTP_201_CREATED)


class InspectionDefectsApi(InspectionScoped):
    access = {"POST": INSPECTORS}

    @extend_schema(
        request=DefectMarksInput,
        responses={201: SampledItemOutput},
        description="Direct mode: defect counts by type for the sampled item (replaces any).",
    )
    def post(self, request: Request, inspection_id: int, item_id: int) -> Response:
        payload = valid(DefectMarksInput, request.data)
        row = services.defects_mark(
            actor=request.user,
            inspection=self.inspection(),
            item_id=item_id,
            counts=payload["defects"],
            note=payload["note"],
        )
        return Response(SampledItemOutput(row).data, status=status.HTTP_201_CREATED)


class InspectionDecideApi(InspectionScoped):
    """Decide an open inspection once every sampled item is reviewed (400 otherwise): count
    defective items, accept or reject the lot by the plan and set the batch's status; a rejection
    sends the lot's submitted work back for one rework cycle."""

    access = {"POST": MANAGERS}

    @extend_schema(request=None, responses=InspectionOutput)
    def post(self, request: Request, inspection_id: int) -> Response:
        inspection = services.inspection_decide(actor=request.user, inspection=self.inspection())
        return Response(InspectionOutput(inspection).data)


class DefectTrendsApi(RoleScopedApi):
    """Defect rates by type over decided inspections, by batch, cohort or vendor and by inspection
    or calendar period, plus the defect types that recur (rate at least `min_rate` for `min_periods`
    periods in a row)."""

    access = {"GET": MANAGERS}

    @extend_schema(parameters=[TrendQuery], responses=dict)
    def get(self, request: Request, project_id: int) -> Response:
        query = valid(TrendQuery, request.query_params)
        return Response(services.defect_trends(project_id=self.project_id, **query))
