"""The escalation fact annotator_draft_pass_through: work of annotators who keep wrong drafts
goes to a senior reviewer; the dry run counts it the same way."""

from __future__ import annotations

import pytest

from apps.analytics.draft_review import pass_through_rates
from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.workflow.models import Review
from tests.apps.analytics.draftwork import draft_program

pytestmark = pytest.mark.django_db

KEEPS_WRONG_DRAFTS = {
    "when": {"all": [{"fact": "annotator_draft_pass_through", "op": ">", "value": 0.5}]},
    "then": [{"action": "route", "queue": "senior_review"}],
}


def test_too_few_wrong_drafts_leave_the_fact_unknown(project, make_member, client_for):
    program = draft_program(project, make_member, client_for, n_gold=1)
    rates = pass_through_rates(
        project_id=project.pk, annotator_ids=[program.stamp.pk, program.careful.pk]
    )
    assert rates == {}  # two wrong drafts each: the 100% of the rubber stamp is not evidence yet


def test_submissions_of_an_annotator_who_keeps_wrong_drafts_go_to_senior_review(
    project, make_member, client_for
):
    # Three honeypots: six wrong drafts each, above the fact's minimum of five.
    program = draft_program(project, make_member, client_for, n_gold=3)
    lead = client_for(make_member(project, Role.PROJECT_LEAD).user)
    rules = f"/api/projects/{project.pk}/escalation-rules/"
    created = lead.post(
        rules, {"name": "keeps wrong drafts", "definition": KEEPS_WRONG_DRAFTS}, format="json"
    )
    assert created.status_code == 201, created.content

    stamped = program.keep_the_regular_draft(program.stamp)
    checked = program.keep_the_regular_draft(program.careful)

    routed = Review.objects.get(assignment_id=stamped["id"])
    assert routed.queue == "senior_review" and "keeps wrong drafts" in routed.reason
    assert Review.objects.get(assignment_id=checked["id"]).queue == "review"
    dry = lead.post(f"{rules}dry-run/", {"days": 7}, format="json").json()
    # Both worked the same item; the dry run decides per submission, as the routing does.
    assert dry["rules"] == [
        {"name": "keeps wrong drafts", "matched_items": 1, "matched_submissions": 1}
    ]
    assert dry["items_considered"] == 1 and dry["submissions_considered"] == 2
    assert dry["routed_by_queue"] == {"senior_review": 1}


def test_the_rate_is_computed_again_only_when_its_inputs_change(
    project, make_member, client_for, monkeypatch
):
    from apps.analytics import draft_review

    program = draft_program(project, make_member, client_for, n_gold=3)
    reviews = []
    real = draft_review._review
    monkeypatch.setattr(draft_review, "_review", lambda *args: reviews.append(args) or real(*args))
    members = [program.stamp.pk, program.careful.pk]

    first = pass_through_rates(project_id=project.pk, annotator_ids=members)
    assert first == {program.stamp.pk: 1.0, program.careful.pk: 0.0} and len(reviews) == 1
    assert pass_through_rates(project_id=project.pk, annotator_ids=members) == first
    assert len(reviews) == 1  # nothing changed: served from the cache

    gold_box = Annotation.objects.filter(item=program.gold, source="gold").first()
    lead = client_for(make_member(project, Role.PROJECT_LEAD).user)
    fixed = lead.patch(  # QA fixes a gold box
        f"/api/annotations/{gold_box.pk}/",
        {"version": gold_box.version, "score": 0.9, "reason": "gold fix"},
        format="json",
    )
    assert fixed.status_code == 200, fixed.content
    pass_through_rates(project_id=project.pk, annotator_ids=members)
    assert len(reviews) == 2

    program.keep_the_regular_draft(program.stamp)  # not a honeypot: the history is the same
    pass_through_rates(project_id=project.pk, annotator_ids=members)
    assert len(reviews) == 2
