"""A reviewer works the review queue in headless Chromium: approve by clicking, reject with a
reason, escalate from the keyboard, approve with a typed-in box edit; the Review rows change."""

from __future__ import annotations

import re

import pytest

from apps.annotations.models import Annotation
from apps.workflow.models import Review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def current_review(page) -> Review:
    page.wait_for_selector("#q-title:has-text('Review #')")
    review_id = int(re.search(r"Review #(\d+)", page.inner_text("#q-title")).group(1))
    return Review.objects.get(pk=review_id)


def decided(page, review: Review, status: str) -> Review:
    page.wait_for_selector(f"#q-status:has-text('{status}')")
    review.refresh_from_db()
    return review


def test_review_flow_by_clicks_and_keys(signed_in, demo_site):
    _, project = demo_site
    # Four decisions need four open reviews in the default queue; the small demo's rules routed
    # some of its few open reviews to senior_review (tests/apps/demo checks that routing).
    Review.objects.filter(project=project, status="pending").update(queue="review")
    session = signed_in("reviewer")
    page = session.open(f"/projects/{project.pk}/queue/")
    page.wait_for_selector("#q-overlay rect.shape.submission")
    session.screenshot("dash-queue-review")

    first = current_review(page)
    page.click("#btn-approve")
    assert decided(page, first, "approved").status == "approved"
    assert first.reviewer.user.username == "reviewer" and first.decided_at is not None

    page.click("#btn-next")
    second = current_review(page)
    assert second.pk != first.pk
    page.click("#btn-reject")
    page.select_option("#reason-preset", "wrong class")
    page.fill("#reason-text", "the dog is a cat")
    page.click("#btn-confirm")
    second = decided(page, second, "rejected")
    assert second.status == "rejected" and second.reason == "wrong class: the dog is a cat"
    assert second.assignment.status == "rework"

    page.keyboard.press("n")
    third = current_review(page)
    page.keyboard.press("e")
    page.select_option("#reason-preset", "guideline unclear")
    page.fill("#escalate-queue", "senior_review")
    page.focus("#reason-text")
    page.keyboard.press("Enter")
    third = decided(page, third, "escalated")
    assert third.status == "escalated" and third.reason == "guideline unclear"
    assert Review.objects.filter(
        assignment=third.assignment, queue="senior_review", status="pending"
    ).exists()

    page.keyboard.press("n")
    fourth = current_review(page)
    page.locator("#q-overlay rect.shape.submission").last.click()
    annotation_id = page.evaluate("() => document.querySelector('#shape-info').textContent")
    assert "box" in annotation_id
    page.fill("#f-w", "31.5")
    page.click("#btn-apply")
    assert "Approve with edits" in page.inner_text("#btn-approve")
    page.keyboard.press("a")
    fourth = decided(page, fourth, "edited")
    assert fourth.status == "edited"
    edited = Annotation.objects.filter(
        item_id=fourth.assignment.item_id, author_id=fourth.assignment.annotator_id, w=31.5
    )
    assert edited.count() == 1 and edited.get().version == 2

    stats = page.inner_text("#my-stats")
    assert "submitted" in stats
    assert session.errors == [], session.errors
