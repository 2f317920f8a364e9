"""The queue page in headless Chromium: a reviewer's Next gives the review back and moves on; a
consensus is its own legend entry, not an annotator; an annotator's rework starts from their own
rejected shapes and resubmitting replaces them."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.projects.models import Annotator
from apps.workflow.models import Assignment, Review, SkippedReview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_review(page) -> Review:
    page.wait_for_selector("#q-title:has-text('Review #')")
    return Review.objects.get(pk=int(re.search(r"Review #(\d+)", page.inner_text("#q-title"))[1]))


def test_reviewer_next_releases_and_consensus_is_no_annotator(signed_in, demo_site):
    _, project = demo_site
    Review.objects.filter(project=project, status="pending").update(queue="review")
    # A consensus run's shape on every item waiting for review.
    cls = project.classes.first()
    now = timezone.now()
    for item_id in set(
        Review.objects.filter(project=project, status="pending").values_list(
            "assignment__item_id", flat=True
        )
    ):
        Annotation.objects.create(
            project=project,
            item_id=item_id,
            source="consensus",
            model_id="consensus:dawid_skene",
            label_class=cls,
            geometry_type="box",
            geometry={"x": 1, "y": 1, "w": 4, "h": 4},
            x=1,
            y=1,
            w=4,
            h=4,
            area=16,
            created_at=now,
            updated_at=now,
        )
    session = signed_in("reviewer")
    page = session.open(f"/projects/{project.pk}/queue/")
    page.wait_for_selector("#q-overlay rect.shape.submission")
    first = shown_review(page)
    legend = page.inner_text("#q-legend")
    assert "consensus (dawid_skene)" in legend and "annotator model" not in legend
    others = (
        Annotation.objects.filter(item_id=first.assignment.item_id, source="human")
        .exclude(author_id=first.assignment.annotator_id)
        .values("author_id")
        .distinct()
        .count()
    )
    meta = page.inner_text("#q-meta")
    counted = re.search(r"(\d+) other annotator\(s\)", meta)
    assert (int(counted[1]) if counted else 0) == others, meta
    assert page.locator("#q-overlay rect.shape.consensus").count() == 1

    page.click("#btn-next")
    page.wait_for_function(
        f"() => !document.querySelector('#q-title').textContent.includes('Review #{first.pk} ')"
    )
    second = shown_review(page)
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.status == "pending" and first.reviewer_id is None
    assert SkippedReview.objects.filter(review=first, reviewer__user__username="reviewer").exists()
    assert session.errors == [], session.errors


def test_annotator_rework_starts_from_own_shapes(signed_in, demo_site):
    _, project = demo_site
    own = Annotation.objects.filter(
        project=project, source="human", geometry_type="box", item__is_gold=False
    )
    target = None
    # An annotator's submitted assignment with box shapes of their own on the item.
    for assignment in Assignment.objects.filter(
        project=project, status="submitted", is_gold=False
    ).select_related("annotator__user"):
        mine = own.filter(item_id=assignment.item_id, author_id=assignment.annotator_id)
        if mine.exists() and not mine.exclude(geometry_type="box").exists():
            target = assignment
            break
    assert target is not None
    member: Annotator = target.annotator
    assert member.role == Role.ANNOTATOR
    # Nothing else they hold comes first.
    Assignment.objects.filter(annotator=member, status__in=["rework", "leased"]).update(
        status="submitted"
    )
    Assignment.objects.filter(pk=target.pk).update(status="rework", rework_cycles=1)
    Review.objects.create(
        project=project,
        assignment=target,
        status="rejected",
        reason="box too loose",
        decided_at=timezone.now(),
    )
    mine_before = list(
        own.filter(item_id=target.item_id, author=member).values_list("pk", "w").order_by("pk")
    )

    session = signed_in(member.user.username)
    page = session.open(f"/projects/{project.pk}/queue/")
    page.wait_for_selector(f"#q-title:has-text('Assignment #{target.pk}')")
    assert "rework" in page.inner_text("#q-title")
    meta = page.inner_text("#q-meta")
    assert f"starting from your {len(mine_before)} submitted shape(s)" in meta
    assert "box too loose" in meta
    assert page.locator("#q-overlay rect.shape.draft").count() == len(mine_before)

    page.keyboard.press("n")  # rework is not skipped
    page.wait_for_selector("#q-status:has-text('comes first')")
    page.keyboard.press("a")
    page.wait_for_selector("#q-status:has-text('Submitted')")
    target.refresh_from_db()
    assert target.status == "submitted"
    after = list(
        Annotation.objects.filter(item_id=target.item_id, author=member)
        .values_list("pk", "w")
        .order_by("pk")
    )
    # The same shapes, as new rows; the old ones deleted with an audit record each.
    assert sorted(w for _, w in after) == sorted(w for _, w in mine_before)
    assert not {pk for pk, _ in after} & {pk for pk, _ in mine_before}
    deleted = AuditEvent.objects.filter(
        action="annotation.delete", entity_id__in=[pk for pk, _ in mine_before]
    )
    assert deleted.count() == len(mine_before)
    assert session.errors == [], session.errors
