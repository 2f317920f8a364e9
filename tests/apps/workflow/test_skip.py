"""Next skips: an item an annotator released, or a review a reviewer released, is not served to
them again while other work is open; it still is once nothing else is left, and others get it
as usual."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from apps.items.models import Item
from apps.workflow.models import Assignment, Review, SkippedItem, SkippedReview
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db


def pull(client, project) -> dict:
    response = client.post(f"/api/projects/{project.pk}/queue/next/")
    assert response.status_code == 200, response.content
    return response.json()


def release(client, assignment) -> dict:
    response = client.post(f"/api/assignments/{assignment['id']}/release/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_released_item_is_not_served_again_while_other_work_is_open(
    queue_project, regular_items, annotators, client_for
):
    ben = client_for(annotators[0].user)
    first = pull(ben, queue_project)
    assert release(ben, first) == {"released": True}
    second = pull(ben, queue_project)
    # Neither the released slot nor the item's other slot (overlap 2).
    assert second["item"]["id"] != first["item"]["id"]
    # Anyone else gets the released slot in the usual order.
    other = pull(client_for(annotators[1].user), queue_project)
    assert other["id"] == first["id"]


def test_skipped_items_come_back_once_nothing_else_is_left_longest_skipped_first(
    queue_project, regular_items, annotators, client_for
):
    ben = client_for(annotators[0].user)
    served = []
    for _ in regular_items:
        assignment = pull(ben, queue_project)
        served.append(assignment["item"]["id"])
        assert release(ben, assignment) == {"released": True}
    assert sorted(served) == [item.pk for item in regular_items]  # each Next moved on
    again = pull(ben, queue_project)
    assert again["item"]["id"] == served[0]  # skipped first, so first back
    # Served after all: its skip is spent, the other two are still remembered.
    assert sorted(SkippedItem.objects.values_list("item_id", flat=True)) == sorted(served[1:])


def test_an_item_without_its_slots_yet_comes_before_a_skipped_one(
    queue_project, annotators, client_for
):
    only = Item.objects.create(project=queue_project, width=200, height=100, file_name="a.jpg")
    ben = client_for(annotators[0].user)
    first = pull(ben, queue_project)
    assert first["item"]["id"] == only.pk
    late = Item.objects.create(project=queue_project, width=200, height=100, file_name="b.jpg")
    assert not Assignment.objects.filter(item=late).exists()  # slots are made lazily
    release(ben, first)
    assert pull(ben, queue_project)["item"]["id"] == late.pk


def test_a_rework_is_not_released(queue_project, regular_items, annotators, client_for):
    ben = client_for(annotators[0].user)
    first = pull(ben, queue_project)
    Assignment.objects.filter(pk=first["id"]).update(status="rework")
    assert release(ben, first) == {"released": False}
    assert not SkippedItem.objects.exists()
    assert pull(ben, queue_project)["id"] == first["id"]


@pytest.fixture
def two_submissions(queue_project, regular_items, annotators, client_for):
    cls = queue_project.classes.first()
    reviews = []
    for annotator in annotators[:2]:
        client = client_for(annotator.user)
        assignment = pull(client, queue_project)
        done = client.post(
            f"/api/assignments/{assignment['id']}/submit/",
            {"annotations": [box(cls)]},
            format="json",
        )
        assert done.status_code == 201, done.content
        reviews.append(Review.objects.get(assignment_id=assignment["id"]))
    return reviews


def next_review(client, project):
    return client.post(f"/api/projects/{project.pk}/reviews/next/")


def test_a_released_review_is_served_after_the_others(
    two_submissions, queue_project, make_member, client_for
):
    first_review, second_review = two_submissions
    member = make_member(queue_project, Role.REVIEWER)
    reviewer = client_for(member.user)
    held = next_review(reviewer, queue_project).json()
    assert held["id"] == first_review.pk
    # Without a release Next would hand back the held lease.
    assert next_review(reviewer, queue_project).json()["id"] == first_review.pk
    released = reviewer.post(f"/api/reviews/{first_review.pk}/release/")
    assert released.status_code == 200 and released.json() == {"released": True}
    first_review.refresh_from_db()
    assert first_review.status == "pending" and first_review.reviewer_id is None
    assert first_review.lease_expires_at is None
    assert next_review(reviewer, queue_project).json()["id"] == second_review.pk
    # Another reviewer gets the released one in the usual order.
    other_member = make_member(queue_project, Role.REVIEWER)
    other = client_for(other_member.user)
    assert next_review(other, queue_project).json()["id"] == first_review.pk
    assert other.post(f"/api/reviews/{first_review.pk}/release/").json() == {"released": True}
    # Once the reviewer decided everything else, the skipped review comes back to them.
    decided = reviewer.post(
        f"/api/reviews/{second_review.pk}/decision/", {"decision": "approve"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    assert next_review(reviewer, queue_project).json()["id"] == first_review.pk
    # Served after all: this reviewer's skip is spent; the other reviewer's is still remembered.
    assert list(SkippedReview.objects.values_list("reviewer_id", "review_id")) == [
        (other_member.pk, first_review.pk)
    ]


def test_only_the_holder_releases_a_review(
    two_submissions, queue_project, make_member, annotators, client_for
):
    review = two_submissions[0]
    holder = client_for(make_member(queue_project, Role.REVIEWER).user)
    other = client_for(make_member(queue_project, Role.REVIEWER).user)
    assert next_review(holder, queue_project).json()["id"] == review.pk
    assert other.post(f"/api/reviews/{review.pk}/release/").json() == {"released": False}
    annotator = client_for(annotators[2].user)
    assert annotator.post(f"/api/reviews/{review.pk}/release/").status_code == 403
    assert holder.post("/api/reviews/999999/release/").status_code == 404
    review.refresh_from_db()
    assert review.status == "leased" and not SkippedReview.objects.exists()
    decided = holder.post(
        f"/api/reviews/{review.pk}/decision/", {"decision": "approve"}, format="json"
    )
    assert decided.status_code == 200
    assert holder.post(f"/api/reviews/{review.pk}/release/").json() == {"released": False}
    review.refresh_from_db()
    assert review.status == "approved"
