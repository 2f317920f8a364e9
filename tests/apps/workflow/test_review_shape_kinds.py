"""The review payload tells the submission, other annotators' work, drafts and a consensus apart:
a consensus (no author) is not another annotator."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from tests.apps.shapes import add_box
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db


def test_review_payload_marks_each_shapes_kind(
    queue_project, regular_items, annotators, make_member, client_for
):
    cls = queue_project.classes.first()
    client = client_for(annotators[0].user)
    assignment = client.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
    done = client.post(
        f"/api/assignments/{assignment['id']}/submit/", {"annotations": [box(cls)]}, format="json"
    )
    assert done.status_code == 201, done.content
    item = next(i for i in regular_items if i.pk == assignment["item"]["id"])
    other = add_box(item, cls, (12, 12, 50, 40), author=annotators[1])
    draft = add_box(item, cls, (8, 8, 50, 40), source="prelabel", model_id="grabcut")
    consensus = add_box(
        item, cls, (11, 11, 50, 40), source="consensus", model_id="consensus:dawid_skene"
    )
    add_box(item, cls, (0, 0, 5, 5), source="gold")  # never shown to a reviewer

    reviewer = client_for(make_member(queue_project, Role.REVIEWER).user)
    review = reviewer.post(f"/api/projects/{queue_project.pk}/reviews/next/").json()
    kinds = {a["id"]: (a["kind"], a["is_submission"], a["author"]) for a in review["annotations"]}
    (submitted,) = done.json()["annotations"]
    assert kinds == {
        submitted: ("submission", True, annotators[0].pseudonym),
        other.pk: ("annotator", False, annotators[1].pseudonym),
        draft.pk: ("prelabel", False, None),
        consensus.pk: ("consensus", False, None),
    }
