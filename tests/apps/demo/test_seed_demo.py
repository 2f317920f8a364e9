"""The demo seed: real photographs, derived ground truth, simulated annotators, idempotent."""

from __future__ import annotations

import pytest
from PIL import Image

from apps.annotations.models import Annotation
from apps.demo.services import DEMO_PROJECT, seed_demo
from apps.items.models import Item
from apps.projects.models import Annotator, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(media_root):
    return seed_demo(n_items=14)


def test_demo_project_has_photos_gold_and_overlapping_work(demo, client):
    items = Item.objects.filter(project=demo, batch_membership__isnull=True)  # not in intake
    assert items.count() == 14
    first = items.first()
    with Image.open(first.file.path) as image:
        assert image.size == (first.width, first.height)
    assert items.filter(is_gold=True).exists()
    gold = Annotation.objects.filter(project=demo, source="gold")
    human = Annotation.objects.filter(project=demo, source="human")
    assert gold.exists() and human.exists()
    authors_per_item = {
        item: human.filter(item_id=item).values("author").distinct().count()
        for item in human.values_list("item_id", flat=True).distinct()
    }
    assert max(authors_per_item.values()) >= 2
    assert (
        Annotator.objects.filter(project=demo, role="annotator").values("cohort").distinct().count()
        == 3
    )
    assert {"qa_manager", "project_lead", "finance", "reviewer"} <= set(
        Annotator.objects.filter(project=demo).values_list("role", flat=True)
    )
    # Seeding is idempotent, and the admin reads the demo through the API.
    again = seed_demo(n_items=14)
    assert again.pk == demo.pk
    assert Item.objects.filter(project__name=DEMO_PROJECT).count() == 14 + 8  # + the delivery
    assert client.login(username="admin", password="labelqc-demo")
    projects = client.get("/api/projects/").json()
    assert projects["results"][0]["name"] == DEMO_PROJECT
    annotations = client.get(f"/api/projects/{demo.pk}/annotations/?source=gold").json()
    assert annotations["count"] > 0


def test_demo_is_a_program_in_flight(demo, client):
    """Drafts under the human work, open reviews (some routed by the rules), SLAs, effort."""
    from apps.audit.models import AuditEvent
    from apps.workflow.models import Assignment, ClassSla, CorrectionEffort, QueueSla, Review
    from apps.workflow.services.escalation import item_facts

    drafts = Annotation.objects.filter(project=demo, source="prelabel")
    assert drafts.exists()
    assert set(drafts.values_list("model_id", flat=True)) == {"demo-detector-v1"}
    assert all(0.0 <= d.attributes["uncertainty"] <= 1.0 for d in drafts)
    human = Annotation.objects.filter(project=demo, source="human")
    for item in drafts.values_list("item_id", flat=True).distinct():
        first_human = human.filter(item_id=item).order_by("created_at").first()
        if first_human is not None:  # the draft was there before the first human look
            assert drafts.filter(item_id=item).first().created_at < first_human.created_at
    assert AuditEvent.objects.filter(project=demo, entity_id__in=drafts.values("pk")).exists()

    submitted = Assignment.objects.filter(project=demo, submitted_at__isnull=False)
    drafted = submitted.filter(item__in=drafts.values("item_id"))
    assert set(CorrectionEffort.objects.values_list("assignment", flat=True)) == set(
        drafted.values_list("pk", flat=True)
    )

    pending = Review.objects.filter(project=demo, status="pending")
    assert pending.count() >= 5
    for review in pending:
        assert review.reviewer is None and review.decided_at is None
        assert review.created_at == review.assignment.submitted_at
    routed = pending.filter(queue="senior_review")
    assert routed.exists() and pending.filter(queue="review").count() >= 3
    for review in pending.select_related("assignment"):
        facts = item_facts(
            [review.assignment.item_id],
            {review.assignment.item_id: review.assignment.annotator_id},
            {"annotator_draft_pass_through"},
        ).iloc[0]
        unsure_and_disputed = (
            facts["prelabel_uncertainty"] > 0.6 and facts["iaa_disagreement"] > 0.2
        )
        weak = facts["annotator_gold_score"] < 0.6
        keeps_wrong_drafts = facts["annotator_draft_pass_through"] > 0.5
        assert (review.queue == "senior_review") == bool(
            unsure_and_disputed or weak or keeps_wrong_drafts
        )
        assert review.reason.startswith("escalated by rule(s)") == (review.queue != "review")
    assert ClassSla.objects.filter(project=demo).count() == 2
    assert QueueSla.objects.filter(project=demo, queue="review").exists()

    # the annotator's queue serves an item with the detector's drafts on it
    assert client.login(username="ada", password="labelqc-demo")
    pulled = client.post(f"/api/projects/{demo.pk}/queue/next/")
    assert pulled.status_code == 200, pulled.content
    assert pulled.json()["prelabels"]
    assert {p["model_id"] for p in pulled.json()["prelabels"]} == {"demo-detector-v1"}


def test_demo_annotators_edited_the_drafts_and_one_rubber_stamps_them(demo, client):
    """The simulated annotators saw the drafts: many are approved as is, the rest edited or
    redone; Gus keeps nearly every draft, wrong ones included, and QA's draft review flags him."""
    from django.db.models import Count

    from apps.workflow.models import CorrectionEffort

    efforts = CorrectionEffort.objects.filter(project=demo)
    mix = dict(efforts.values_list("bucket").annotate(n=Count("id")))
    total = sum(mix.values())
    assert set(mix) == {"approved_as_is", "minor_edit", "rework"}
    assert 0.3 < mix["approved_as_is"] / total < 0.7
    assert mix["minor_edit"] / total > 0.1 and mix["rework"] / total > 0.1
    per_annotator: dict[str, dict[str, int]] = {}
    for who, bucket, n in efforts.values_list(
        "assignment__annotator__pseudonym", "bucket"
    ).annotate(n=Count("id")):
        per_annotator.setdefault(who, {})[bucket] = n
    as_is = {
        who: counts.get("approved_as_is", 0) / sum(counts.values())
        for who, counts in per_annotator.items()
    }
    gus = as_is.pop("A-07")
    assert gus > 0.85 and max(as_is.values()) < 0.65

    assert client.login(username="qa", password="labelqc-demo")
    review = client.get(f"/api/projects/{demo.pk}/draft-review/")
    assert review.status_code == 200, review.content
    flagged = {row["username"] for row in review.json()["annotators"] if row["over_trusts"]}
    assert flagged == {"gus"}

    # The "keeps wrong drafts" rule knows only gus, and routes each of his open reviews.
    from apps.analytics.draft_review import pass_through_rates
    from apps.workflow.models import Review

    members = dict(Annotator.objects.filter(project=demo).values_list("user__username", "pk"))
    rates = pass_through_rates(project_id=demo.pk, annotator_ids=members.values())
    assert {who for who, pk in members.items() if rates.get(pk, 0.0) > 0.5} == {"gus"}
    for review in Review.objects.filter(project=demo, status="pending"):
        by_gus = review.assignment.annotator_id == members["gus"]
        assert ("keeps wrong drafts" in review.reason) == by_gus
        assert review.queue == "senior_review" or not by_gus


def test_demo_starts_its_first_reports_and_round(media_root, django_capture_on_commit_callbacks):
    from apps.active.models import ActiveLearningRound
    from apps.analytics.models import QualityReport
    from apps.costs.models import CostReport

    with django_capture_on_commit_callbacks(execute=True):
        demo = seed_demo(n_items=14)
    assert QualityReport.objects.get(project=demo).status == "succeeded"
    assert CostReport.objects.get(project=demo).status == "succeeded"
    round_ = ActiveLearningRound.objects.get(project=demo)
    assert (round_.strategy, round_.status, round_.job.status) == ("hybrid", "done", "succeeded")
    picks = list(round_.picks.order_by("rank"))
    assert 1 <= len(picks) <= 5
    top = max(Item.objects.filter(project=demo).values_list("priority", flat=True))
    assert picks[0].priority_after == top > 0
    assert all(not pick.item.is_gold for pick in picks)

    # the second delivery waits in intake, screened: its problem files are held, nothing of it
    # is served or picked
    from apps.intake.models import BatchItem

    members = {
        m.item.file_name: m
        for m in BatchItem.objects.filter(batch__project=demo).select_related("item")
    }
    assert len(members) == 8
    assert members["d2-rocket-copy.png"].flags == ["exact_duplicate"]
    assert "near_duplicate" in members["d2-coffee-q60.jpg"].flags
    assert {"blurry", "near_duplicate"} <= set(members["d2-astronaut-blurred.png"].flags)
    assert "underexposed" in members["d2-coffee-dark.png"].flags
    held = {name for name, m in members.items() if m.held}
    assert held == {
        "d2-rocket-copy.png", "d2-coffee-q60.jpg", "d2-astronaut-blurred.png", "d2-coffee-dark.png"
    }  # fmt: skip
    assert not {pick.item_id for pick in picks} & {m.item_id for m in members.values()}
    assert round_.pool["excluded"] == {"held by intake or not released": 8}


def test_reset_rebuilds_the_demo(demo):
    """`manage.py seed_demo --reset` deletes the demo with its work (which protects members)."""
    again = seed_demo(reset=True, n_items=12)

    assert again.pk != demo.pk
    assert list(Project.objects.values_list("pk", flat=True)) == [again.pk]
    assert Item.objects.filter(project=again, batch_membership__isnull=True).count() == 12
