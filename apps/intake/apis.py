"""Batch API: batches, their items, screening and release. QA managers, project leads and
admins manage everything here; every other role gets a 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.parsers import JSONParser
from apps.common.roles import LEADS, MANAGERS
from apps.common.views import RoleScopedApi
from apps.intake import selectors, services
from apps.intake.models import Batch, BatchItem
from apps.intake.serializers import (
    BatchFilterInput,
    BatchInput,
    BatchItemDecisionInput,
    BatchItemFilterInput,
    BatchItemOutput,
    BatchItemsInput,
    BatchOutput,
    BatchUpdateInput,
    BatchUploadInput,
    DuplicateGroupOutput,
    ScreeningRunOutput,
    ScreeningSettingsInput,
    ScreeningSettingsOutput,
)
from apps.jobs.serializers import JobOutput


def valid(serializer_class: type, data: object, **kwargs: object) -> dict:
    payload = serializer_class(data=data, **kwargs)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class BatchScoped(RoleScopedApi):
    """Routes under /batches/<batch_id>/: the batch names the project."""

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            Batch.objects.only("project_id"), pk=self.kwargs["batch_id"]
        ).project_id

    def batch(self) -> Batch:
        return Batch.objects.select_related("cohort").get(pk=self.kwargs["batch_id"])


class ProjectBatchesApi(RoleScopedApi):
    access = {"GET": MANAGERS, "POST": MANAGERS}

    @extend_schema(parameters=[BatchFilterInput], responses=BatchOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's intake batches, newest first, with item and held counts; filter by status
        and kind; paginated."""
        filters = valid(BatchFilterInput, request.query_params)
        batches = selectors.batches_of(project_id=self.project_id, **filters)
        return self.paginate(request, batches, BatchOutput)

    @extend_schema(request=BatchInput, responses={201: BatchOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Create a batch (status `draft`); a 400 when the name is taken in the project or the
        cohort is not in it."""
        batch = services.batch_create(
            actor=request.user, project_id=self.project_id, data=valid(BatchInput, request.data)
        )
        return Response(BatchOutput(batch).data, status=status.HTTP_201_CREATED)


class BatchDetailApi(BatchScoped):
    access = {"GET": MANAGERS, "PATCH": MANAGERS, "DELETE": MANAGERS}

    @extend_schema(responses=BatchOutput)
    def get(self, request: Request, batch_id: int) -> Response:
        """One batch with its status and item and held counts."""
        return Response(BatchOutput(self.batch()).data)

    @extend_schema(
        request=BatchUpdateInput,
        responses=BatchOutput,
        description="Edit the batch; `status` may only be set to `delivered` (labels are in).",
    )
    def patch(self, request: Request, batch_id: int) -> Response:
        changes = valid(BatchUpdateInput, request.data, partial=True)
        batch = services.batch_update(actor=request.user, batch=self.batch(), changes=changes)
        return Response(BatchOutput(batch).data)

    @extend_schema(responses={204: None}, description="Before release only; items stay.")
    def delete(self, request: Request, batch_id: int) -> Response:
        services.batch_delete(actor=request.user, batch=self.batch())
        return Response(status=status.HTTP_204_NO_CONTENT)


class BatchRollupApi(BatchScoped):
    """Work on the batch's items; the cost section only for project leads and admins."""

    access = {"GET": MANAGERS}

    @extend_schema(responses=dict)
    def get(self, request: Request, batch_id: int) -> Response:
        batch = self.batch()
        data = {"batch": batch.pk, **selectors.batch_rollup(batch)}
        if self.get_role(request) in LEADS:
            data["cost"] = selectors.batch_cost(batch)
        return Response(data)


class BatchItemsApi(BatchScoped):
    access = {"GET": MANAGERS, "POST": MANAGERS}
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(parameters=[BatchItemFilterInput], responses=BatchItemOutput(many=True))
    def get(self, request: Request, batch_id: int) -> Response:
        """The batch's items by item id with their screening results (flags, measures, duplicate
        groups, suggestion) and decisions; filter by `held` and `flagged`; paginated."""
        filters = valid(BatchItemFilterInput, request.query_params)
        rows = selectors.batch_items(batch=self.batch(), **filters)
        return self.paginate(request, rows, BatchItemOutput)

    @extend_schema(
        request={"application/json": BatchItemsInput, "multipart/form-data": BatchUploadInput},
        responses={201: BatchItemOutput(many=True)},
        description="Add existing items by id (JSON) or upload image files (multipart, all or "
        "none: a file that cannot be decoded is a 400 naming files[i]).",
    )
    def post(self, request: Request, batch_id: int) -> Response:
        if request.FILES:
            files = valid(BatchUploadInput, request.data)["files"]
            rows = services.batch_add_uploads(actor=request.user, batch=self.batch(), uploads=files)
        else:
            ids = valid(BatchItemsInput, request.data)["item_ids"]
            rows = services.batch_add_items(actor=request.user, batch=self.batch(), item_ids=ids)
        fresh = BatchItem.objects.filter(pk__in=[r.pk for r in rows]).select_related("item")
        return Response(BatchItemOutput(fresh, many=True).data, status=status.HTTP_201_CREATED)


class BatchItemDetailApi(RoleScopedApi):
    access = {"GET": MANAGERS, "PATCH": MANAGERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            BatchItem.objects.select_related("batch").only("batch__project_id"),
            pk=self.kwargs["batch_item_id"],
        ).batch.project_id

    def membership(self) -> BatchItem:
        return BatchItem.objects.select_related("item").get(pk=self.kwargs["batch_item_id"])

    @extend_schema(responses=BatchItemOutput)
    def get(self, request: Request, batch_item_id: int) -> Response:
        """One item's place in its batch: screening result, suggestion, decision and whether it is
        held."""
        return Response(BatchItemOutput(self.membership()).data)

    @extend_schema(
        request=BatchItemDecisionInput,
        responses=BatchItemOutput,
        description="keep / release: the item is no longer held; drop: held out for good.",
    )
    def patch(self, request: Request, batch_item_id: int) -> Response:
        decision = valid(BatchItemDecisionInput, request.data)["decision"]
        row = services.batch_item_decide(
            actor=request.user, membership=self.membership(), decision=decision
        )
        return Response(BatchItemOutput(row).data)


class BatchScreenApi(BatchScoped):
    access = {"POST": MANAGERS}

    @extend_schema(
        request=None,
        responses={202: JobOutput},
        description="Queue labelqc.intake.screen_batch; poll /api/jobs/{id}/ for progress.",
    )
    def post(self, request: Request, batch_id: int) -> Response:
        run = services.screening_start(actor=request.user, batch=self.batch())
        body = {**JobOutput(run.job).data, "screening_run": run.pk, "batch": run.batch_id}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class BatchScreeningRunsApi(BatchScoped):
    """The batch's screening runs, newest first, with their job's status and progress; paginated."""

    access = {"GET": MANAGERS}

    @extend_schema(responses=ScreeningRunOutput(many=True))
    def get(self, request: Request, batch_id: int) -> Response:
        runs = self.batch().screening_runs.select_related("job")
        return self.paginate(request, runs, ScreeningRunOutput)


class BatchDuplicatesApi(BatchScoped):
    """Near-duplicate groups (byte-identical copies included) of the batch's latest screening, each
    with its member items."""

    access = {"GET": MANAGERS}

    @extend_schema(responses=DuplicateGroupOutput(many=True))
    def get(self, request: Request, batch_id: int) -> Response:
        groups = selectors.duplicate_groups(self.batch())
        return Response(DuplicateGroupOutput(groups, many=True).data)


class BatchReleaseApi(BatchScoped):
    """Release the batch to the labeling queue: every item not held gets its queue slots. Needs
    items, all of them screened, and no screening running (400 otherwise); releasing again adds the
    items kept since. Answers the released and held counts, the slots created and the batch."""

    access = {"POST": MANAGERS}

    @extend_schema(request=None, responses=dict)
    def post(self, request: Request, batch_id: int) -> Response:
        result = services.batch_release(actor=request.user, batch=self.batch())
        return Response({**result, "batch": BatchOutput(result["batch"]).data})


class ScreeningSettingsApi(RoleScopedApi):
    access = {"GET": MANAGERS, "PUT": MANAGERS}

    @extend_schema(responses=ScreeningSettingsOutput)
    def get(self, request: Request, project_id: int) -> Response:
        """The project's screening thresholds (the defaults with the project's overrides), the
        overrides alone, and the flags that hold an item."""
        stored = services.settings_of(self.project_id)
        return Response(ScreeningSettingsOutput(stored).data)

    @extend_schema(
        request=ScreeningSettingsInput,
        responses=ScreeningSettingsOutput,
        description="Replace the thresholds (omitted fields take the defaults).",
    )
    def put(self, request: Request, project_id: int) -> Response:
        stored = services.settings_set(
            actor=request.user,
            project_id=self.project_id,
            data=valid(ScreeningSettingsInput, request.data),
        )
        return Response(ScreeningSettingsOutput(stored).data)
