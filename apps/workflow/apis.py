from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.roles import LABELERS, MANAGERS, STAFF_ROLES
from apps.common.views import RoleScopedApi
from apps.items.selectors import stored_image_response
from apps.workflow import selectors
from apps.workflow.models import Assignment, EscalationRule, Review
from apps.workflow.serializers import (
    AssignmentOutput,
    DryRunInput,
    GoldUsageQuery,
    ReviewDecisionInput,
    ReviewFilterInput,
    ReviewOutput,
    RuleInput,
    RuleOutput,
    RuleUpdateInput,
    SubmitInput,
)
from apps.workflow.services import claim_pg, escalation, queue, review, submit
from apps.workflow.services.qualification import QualificationRequired

REVIEWERS = STAFF_ROLES
# The hot path answers plain dicts; these only declare their shape to the schema.
SUBMITTED = inline_serializer(
    "SubmitOutput",
    {
        "assignment": serializers.IntegerField(),
        "status": serializers.CharField(),
        "annotations": serializers.ListField(child=serializers.IntegerField()),
    },
)
RELEASED = inline_serializer("ReleaseOutput", {"released": serializers.BooleanField()})


def assignment_payload(assignment: Assignment) -> dict:
    prelabels = selectors.prelabels_of(assignment.item_id, selectors.PRELABEL_PAYLOAD)
    # Only work sent back has own shapes to start from and a rejection to explain.
    context = {"prelabels": prelabels, "rework": selectors.rework_of(assignment)}
    return AssignmentOutput(assignment, context=context).data


class QueueNextApi(RoleScopedApi):
    """Lease the caller's next item (their work sent back for rework first, then their current
    lease); 204 when empty. Items the caller released (Next) come again only when nothing else is
    left for them. A rework payload carries the caller's own submitted shapes (`rework`). Under
    the project's qualification gate a new annotator gets gold items only until decided, and 403
    (saying why) when they failed it or no gold item is left for them."""

    access = {"POST": LABELERS}

    @extend_schema(request=None, responses={200: AssignmentOutput, 204: None})
    def post(self, request: Request, project_id: int) -> Response:
        member = self.member
        if member is None:
            return Response(
                {"detail": "only project members have a queue"}, status=status.HTTP_403_FORBIDDEN
            )
        try:
            assignment = queue.pull_next(member=member)
        except QualificationRequired as gate:
            return Response({"detail": str(gate)}, status=status.HTTP_403_FORBIDDEN)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(assignment_payload(assignment))


class AssignmentApiBase(RoleScopedApi):
    def load_scope(self, request: Request) -> tuple[int | None, Any]:
        # One query: the assignment with its item, and the caller's membership of its project.
        found = claim_pg.with_item_and_membership(self.kwargs["assignment_id"], request.user.pk)
        if found is None:
            raise Http404
        self._assignment, member = found
        return self._assignment.project_id, member

    def own_assignment(self, request: Request) -> Assignment:
        member = self.member
        assignment = self._assignment
        if member is None or assignment.annotator_id != member.pk:
            raise Http404
        assignment.annotator = member
        return assignment


class AssignmentSubmitApi(AssignmentApiBase):
    """Submit the caller's shapes for an assignment they hold (leased, or sent back for rework), all
    or nothing; the item is implied. 201 with the assignment's new status and the created annotation
    ids. 404 when the assignment is not the caller's, 409 when it is already submitted, 400 when a
    shape is invalid; a rework submission replaces the caller's earlier annotations on the item."""

    access = {"POST": LABELERS}

    @extend_schema(request=SubmitInput, responses={201: SUBMITTED})
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = self.own_assignment(request)
        payload = SubmitInput(data=request.data)
        payload.is_valid(raise_exception=True)
        records = [
            {**r, "item": r.get("item") or assignment.item_id}
            for r in payload.validated_data["annotations"]
        ]
        done, created = submit.submit_assignment(
            actor=request.user,
            member=assignment.annotator,
            assignment_id=assignment.pk,
            records=records,
            client_seconds=payload.validated_data.get("client_seconds"),
            reason=payload.validated_data["reason"],
            assignment=assignment,
        )
        return Response(
            {"assignment": done.pk, "status": done.status, "annotations": [a.pk for a in created]},
            status=status.HTTP_201_CREATED,
        )


class AssignmentReleaseApi(AssignmentApiBase):
    """Give the caller's leased assignment back to the queue (the queue page's Next): their next
    pull serves other work first, and this item only when nothing else is left; other annotators
    get it as usual. Answers `{"released": true}`, or false when it was not leased (e.g. already
    submitted, or sent back for rework); 404 when it is not the caller's."""

    access = {"POST": LABELERS}

    @extend_schema(request=None, responses={200: RELEASED})
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = self.own_assignment(request)
        return Response(
            {"released": queue.release(member=assignment.annotator, assignment=assignment)}
        )


class AssignmentImageApi(AssignmentApiBase):
    """The image of an item, for the annotator who holds it (annotators see no other items)."""

    access = {"GET": LABELERS}

    @extend_schema(responses={(200, "image/*"): bytes})
    def get(self, request: Request, assignment_id: int) -> FileResponse:
        return stored_image_response(self.own_assignment(request).item)


class MyStatsApi(RoleScopedApi):
    """The caller's own numbers; never anyone else's. Gold accuracy counts gold items submitted
    before today (UTC, `gold_as_of`), so it never moves right after a honeypot's submit."""

    access = {"GET": LABELERS}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        member = self.member
        if member is None:
            raise Http404
        return Response(selectors.annotator_own_stats(member=member))


class ReviewNextApi(RoleScopedApi):
    """Lease the caller's next review in `?queue=` (default `review`): the one they already hold
    there, else the highest-priority, earliest-due pending one (those they released unanswered
    only when nothing else is left), never their own work nor an item an open blind intake
    inspection samples (it waits until the inspection is decided). 200 with the
    review, its item and the item's non-gold annotations (authors as pseudonyms); 204 when the queue
    is empty; 403 for callers who are not project members."""

    access = {"POST": REVIEWERS}

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("queue", str)],
        responses={200: ReviewOutput, 204: None},
    )
    def post(self, request: Request, project_id: int) -> Response:
        member = self.member
        if member is None:
            return Response(
                {"detail": "only project members review"}, status=status.HTTP_403_FORBIDDEN
            )
        found = review.pull_review(member=member, queue=request.query_params.get("queue", "review"))
        if found is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(selectors.review_payload(found))


class ReviewDecisionApi(RoleScopedApi):
    """Decide a pending review (or one leased to the caller or whose lease ran out): approve; edit
    (apply `edits`, each against the annotation's version: stale is a 409); reject (reason required:
    the work goes back to its annotator for rework); escalate (reason and queue required: a new
    review opens in that queue). 409 when the review is already decided or leased to another
    reviewer."""

    access = {"POST": REVIEWERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            Review.objects.only("project_id"), pk=self.kwargs["review_id"]
        ).project_id

    @extend_schema(request=ReviewDecisionInput, responses=ReviewOutput)
    def post(self, request: Request, review_id: int) -> Response:
        payload = ReviewDecisionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = review.decide_review(
            actor=request.user,
            member=self.member,
            role=self.get_role(request),
            review_id=review_id,
            **payload.validated_data,
        )
        return Response(ReviewOutput(decided).data)


class ReviewReleaseApi(RoleScopedApi):
    """Give a review the caller holds back to its queue unanswered (the queue page's Next): their
    next pull serves other pending reviews first, and this one only when nothing else is left;
    other reviewers get it as usual. Answers `{"released": true}`, or false when the caller does
    not hold it (already decided, pending, or leased to another reviewer)."""

    access = {"POST": REVIEWERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            Review.objects.only("project_id"), pk=self.kwargs["review_id"]
        ).project_id

    @extend_schema(request=None, responses={200: RELEASED})
    def post(self, request: Request, review_id: int) -> Response:
        member = self.member
        released = member is not None and review.release_review(member=member, review_id=review_id)
        return Response({"released": released})


class ProjectReviewsApi(RoleScopedApi):
    """The project's reviews, newest first, filtered by queue and status; paginated."""

    access = {"GET": REVIEWERS}

    @extend_schema(parameters=[ReviewFilterInput], responses=ReviewOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        filters = ReviewFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        query = (
            Review.objects.filter(project_id=self.project_id, **filters.validated_data)
            .select_related("assignment__annotator")
            .order_by("-id")
        )
        return self.paginate(request, query, ReviewOutput)


class RuleListApi(RoleScopedApi):
    access = {"GET": MANAGERS, "POST": MANAGERS}

    @extend_schema(responses=RuleOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's escalation rules in evaluation order (`order`, then id); paginated."""
        return self.paginate(
            request, EscalationRule.objects.filter(project_id=self.project_id), RuleOutput
        )

    @extend_schema(request=RuleInput, responses={201: RuleOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Create an escalation rule; enabled rules are applied to every submission that goes to
        review. A 400 names the failing part of the definition, or a name already taken in the
        project."""
        payload = RuleInput(data=request.data)
        payload.is_valid(raise_exception=True)
        rule = escalation.rule_create(
            actor=request.user, project_id=self.project_id, **payload.validated_data
        )
        return Response(RuleOutput(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailApi(RoleScopedApi):
    access = {"GET": MANAGERS, "PATCH": MANAGERS, "DELETE": MANAGERS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            EscalationRule.objects.only("project_id"), pk=self.kwargs["rule_id"]
        ).project_id

    @extend_schema(responses=RuleOutput)
    def get(self, request: Request, rule_id: int) -> Response:
        """One escalation rule."""
        return Response(RuleOutput(EscalationRule.objects.get(pk=rule_id)).data)

    @extend_schema(request=RuleUpdateInput, responses=RuleOutput)
    def patch(self, request: Request, rule_id: int) -> Response:
        """Change a rule's name, definition (validated as on create), enabled flag or order.
        Audited."""
        payload = RuleUpdateInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        rule = escalation.rule_update(
            actor=request.user,
            rule=EscalationRule.objects.get(pk=rule_id),
            data=dict(payload.validated_data),
        )
        return Response(RuleOutput(rule).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, rule_id: int) -> Response:
        """Delete an escalation rule. Audited."""
        escalation.rule_delete(actor=request.user, rule=EscalationRule.objects.get(pk=rule_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RuleDryRunApi(RoleScopedApi):
    """Count, changing nothing, how many of the submissions of the last `days` days (gold
    excluded; and how many distinct items) each rule would match and how many of them each queue
    would receive if reviewed (review sampling may skip some): the given `rules`, else the
    project's enabled ones. A 400 names an invalid definition."""

    access = {"POST": MANAGERS}

    @extend_schema(request=DryRunInput, responses={200: dict})
    def post(self, request: Request, project_id: int) -> Response:
        payload = DryRunInput(data=request.data)
        payload.is_valid(raise_exception=True)
        rules = payload.validated_data.get("rules")
        definitions = [(r["name"], r["definition"]) for r in rules] if rules else None
        return Response(
            escalation.dry_run(
                project_id=self.project_id,
                days=payload.validated_data["days"],
                definitions=definitions,
            )
        )


class GoldUsageApi(RoleScopedApi):
    """Usage of the project's gold (honeypot) items: times served, last use and mean accuracy per
    item, flagging over-used items (more than max(2 x median, median + 5) uses) and stale ones (not
    used in the last `stale_days` days)."""

    access = {"GET": MANAGERS}

    @extend_schema(parameters=[GoldUsageQuery], responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        query = GoldUsageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(selectors.gold_usage(project_id=self.project_id, **query.validated_data))
