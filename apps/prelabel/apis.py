from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.exceptions import ApiConflict
from apps.common.roles import LABELERS, MANAGERS, STAFF_ROLES, Role
from apps.common.throttling import ScopedThrottle
from apps.common.views import RoleScopedApi
from apps.items.models import Item, Video
from apps.jobs.models import Job
from apps.jobs.serializers import JobOutput
from apps.prelabel import selectors
from apps.prelabel.backends import BackendConfigError, VideoUnavailable
from apps.prelabel.conf import JOB_KINDS, prelabel_config
from apps.prelabel.serializers import (
    BackendOutput,
    PrelabelItemOutput,
    PrelabelJobInput,
    PromptInput,
    PromptOutput,
    PropagateInput,
    ReviewFlagFilterInput,
    ReviewFlagOutput,
)
from apps.prelabel.services.image_jobs import prelabel_job_start
from apps.prelabel.services.prompting import prompt_item
from apps.prelabel.services.video import video_propagation_start


class BackendMisconfigured(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The pre-labeling backend is not usable."
    default_code = "backend_misconfigured"


class ProjectPrelabelJobsApi(RoleScopedApi):
    """Start a pre-labeling job (202 + job; poll /api/jobs/{id}/), or list this project's."""

    access = {"GET": MANAGERS, "POST": MANAGERS}

    @extend_schema(responses=JobOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        return self.paginate(
            request, selectors.prelabel_jobs(project_id=self.project_id), JobOutput
        )

    @extend_schema(request=PrelabelJobInput, responses={202: JobOutput})
    def post(self, request: Request, project_id: int) -> Response:
        payload = PrelabelJobInput(data=request.data)
        payload.is_valid(raise_exception=True)
        job = prelabel_job_start(
            actor=request.user, project_id=self.project_id, **payload.validated_data
        )
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class PrelabelJobItemsApi(RoleScopedApi):
    """Per-item outcome of a pre-labeling job: status, masks, uncertainty (max / mean)."""

    access = {"GET": MANAGERS}

    def project_id_from_url(self) -> int | None:
        job = get_object_or_404(Job.objects.only("project_id"), pk=self.kwargs["job_id"])
        return job.project_id

    @extend_schema(
        parameters=[OpenApiParameter("status", str)], responses=PrelabelItemOutput(many=True)
    )
    def get(self, request: Request, job_id: int) -> Response:
        if not Job.objects.filter(pk=job_id, kind__in=JOB_KINDS).exists():
            raise Http404
        rows = selectors.job_items(job_id=job_id, status=request.query_params.get("status"))
        return self.paginate(request, rows, PrelabelItemOutput)


class ProjectPrelabelBackendApi(RoleScopedApi):
    """Which pre-labeling backend this deployment runs (the UI shows it beside pre-labels)."""

    access = {"GET": LABELERS}

    @extend_schema(responses=BackendOutput)
    def get(self, request: Request, project_id: int) -> Response:
        return Response(BackendOutput(selectors.backend_summary()).data)


class ItemPromptApi(RoleScopedApi):
    """Re-prompt the model on one item: clicks and/or a box -> one mask (nothing is stored).

    Annotators may prompt only items they hold a lease on (else 404). Each prompt costs a model
    call (seconds on CPU when the embedding is not cached), so a user may send at most
    ``LABELQC_THROTTLE_PROMPT`` of them (default 120 a minute, far above clicking speed); past
    that, 429 with ``Retry-After``.
    """

    access = {"POST": LABELERS}
    throttle_classes = [ScopedThrottle]
    throttle_scope = "item_prompt"

    def project_id_from_url(self) -> int | None:
        item = get_object_or_404(Item.objects.only("project_id"), pk=self.kwargs["item_id"])
        return item.project_id

    @extend_schema(request=PromptInput, responses=PromptOutput)
    def post(self, request: Request, item_id: int) -> Response:
        if self.get_role(request) == Role.ANNOTATOR and not selectors.holds_lease(
            member=self.member, item_id=item_id
        ):
            raise Http404("you hold no lease on this item")
        payload = PromptInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            answer = prompt_item(item=Item.objects.get(pk=item_id), **payload.validated_data)
        except BackendConfigError as error:
            raise BackendMisconfigured(str(error)) from error
        return Response(PromptOutput(answer).data)


class VideoPropagateApi(RoleScopedApi):
    """Propagate keyframe prompts over a video's frames with SAM 2 (202 + job).

    409 without a SAM 2 checkpoint: GrabCut has no video mode.
    """

    access = {"POST": MANAGERS}

    @extend_schema(request=PropagateInput, responses={202: JobOutput})
    def post(self, request: Request, project_id: int, video_id: int) -> Response:
        video = get_object_or_404(Video, pk=video_id, project_id=self.project_id)
        if prelabel_config().backend_name != "sam2":
            raise ApiConflict(VideoUnavailable.message)
        payload = PropagateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            job = video_propagation_start(
                actor=request.user,
                project_id=self.project_id,
                video=video,
                **payload.validated_data,
            )
        except VideoUnavailable as error:
            raise ApiConflict(str(error)) from error
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class VideoReviewFlagsApi(RoleScopedApi):
    """Frames of propagated tracks to review (latest finished propagation, or ?job=)."""

    access = {"GET": STAFF_ROLES}

    def project_id_from_url(self) -> int | None:
        video = get_object_or_404(Video.objects.only("project_id"), pk=self.kwargs["video_id"])
        return video.project_id

    @extend_schema(parameters=[ReviewFlagFilterInput], responses=ReviewFlagOutput(many=True))
    def get(self, request: Request, video_id: int) -> Response:
        filters = ReviewFlagFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        video = Video.objects.get(pk=video_id)
        rows = selectors.review_flags(video=video, job_id=filters.validated_data.get("job"))
        return self.paginate(request, rows, ReviewFlagOutput)
