"""Item-level labels and gold-accuracy sample weights; item features from stored images; SAM 2."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.active import selectors
from apps.active.features import item_features
from apps.active.models import ActiveLearningRound
from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.workflow.models import Assignment, Review
from labelqc.active.features import IMAGE_STATS_DIM
from tests.apps.active.conftest import label

pytestmark = pytest.mark.django_db


def human(item, member, label_class, approved: bool | None) -> None:
    """A submitted assignment with one tag by `member`; approved / rejected / not reviewed."""
    now = timezone.now()
    assignment = Assignment.objects.create(
        project=item.project, item=item, annotator=member, status="submitted", submitted_at=now
    )
    Annotation.objects.create(
        project=item.project, item=item, author=member, label_class=label_class,
        geometry_type="tag", created_at=now, updated_at=now,
    )  # fmt: skip
    if approved is not None:
        Review.objects.create(
            project=item.project,
            assignment=assignment,
            status="approved" if approved else "rejected",
            decided_at=now,
        )


def gold_score(member, accuracy: float) -> None:
    from apps.items.models import Item

    gold = Item.objects.create(project=member.project, width=8, height=8, is_gold=True)
    Assignment.objects.create(
        project=member.project, item=gold, annotator=member, is_gold=True, status="submitted",
        gold_accuracy=accuracy,
    )  # fmt: skip


def test_labels_and_gold_weights(project, pool, make_member):
    weak, strong, new = (make_member(project, Role.ANNOTATOR) for _ in range(3))
    gold_score(weak, 0.4)
    gold_score(strong, 0.9)
    a, b, c, d, e, f = (item for item in pool.items if item.pk not in pool.labeled)
    human(a, weak, pool.car, approved=True)  # weak annotator: weight 0.4 / 0.8
    human(b, strong, pool.person, approved=True)  # above the bar: weight 1
    human(c, new, pool.car, approved=True)  # no honeypot scored yet: weight 1
    human(d, weak, pool.car, approved=False)  # rejected: not a label
    human(e, strong, pool.car, approved=None)  # not reviewed: not a label
    human(f, weak, pool.person, approved=True)  # two approved annotators disagree 1:1 ...
    human(f, strong, pool.car, approved=True)  # ... the lower class id wins (car)
    label(a, pool.person)  # consensus outranks the human label on the same item
    ids = [item.pk for item in pool.items]
    result = selectors.item_labels(project_id=project.pk, item_ids=ids, down_weight_below_gold=0.8)
    assert result.labels[a.pk] == pool.person.pk and result.sources[a.pk] == "consensus"
    assert result.weights[a.pk] == 1.0
    assert (result.labels[b.pk], result.weights[b.pk]) == (pool.person.pk, 1.0)
    assert (result.labels[c.pk], result.weights[c.pk]) == (pool.car.pk, 1.0)
    assert d.pk not in result.labels and e.pk not in result.labels
    assert result.labels[f.pk] == min(pool.car.pk, pool.person.pk)
    assert result.weights[f.pk] == (1.0 if result.labels[f.pk] == pool.car.pk else 0.5)
    human(b, weak, pool.person, approved=True)  # weak and strong agree on b: mean weight
    result = selectors.item_labels(project_id=project.pk, item_ids=ids, down_weight_below_gold=0.8)
    assert result.weights[b.pk] == pytest.approx((1.0 + 0.5) / 2)
    unweighted = selectors.item_labels(
        project_id=project.pk, item_ids=ids, down_weight_below_gold=None
    )
    assert set(unweighted.weights.values()) == {1.0}


def test_weighted_round_records_it(
    project, pool, make_member, lead_client, django_capture_on_commit_callbacks
):
    weak = make_member(project, Role.ANNOTATOR)
    gold_score(weak, 0.2)
    unlabeled = [item for item in pool.items if item.pk not in pool.labeled]
    human(unlabeled[0], weak, pool.car, approved=True)
    body = {"strategy": "least_confidence", "batch_size": 2, "down_weight_below_gold": 0.8}
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            f"/api/projects/{project.pk}/active-learning/rounds/", body, format="json"
        )
    round_ = ActiveLearningRound.objects.get(pk=response.json()["id"])
    assert round_.status == "done" and round_.model["sample_weights"] is True
    assert round_.pool["labeled"] == 5 and round_.pool["label_sources"]["human"] == 1


def test_unreadable_and_uri_items_are_left_out(project, pool):
    from apps.items.models import Item

    broken = pool.items[0]
    with broken.file.open("wb") as stream:
        stream.write(b"garbage")
    uri = Item.objects.create(project=project, width=10, height=10, uri="s3://bucket/x.jpg")
    ids, matrix, excluded = item_features([*pool.items, uri], "image_stats")
    assert broken.pk not in ids and uri.pk not in ids and len(ids) == 9
    assert matrix.shape == (9, IMAGE_STATS_DIM)
    assert excluded == {"unreadable image": 1, "no stored image": 1}


def test_sam2_embedding_round_runs_on_the_gpu_task(
    project, pool, lead_client, random_sam2, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.active import tasks
    from configs.celery import route_task

    used: list[str] = []
    for name in ("run_round_gpu", "run_round_default"):
        task = getattr(tasks, name)
        monkeypatch.setattr(
            task, "delay", lambda job_id, t=task: used.append(t.name) or t.apply((job_id,))
        )
    body = {"strategy": "margin", "batch_size": 2, "features": "sam2_embedding"}
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            f"/api/projects/{project.pk}/active-learning/rounds/", body, format="json"
        )
    assert response.status_code == 202, response.content
    assert used == ["labelqc.gpu.active_round"]
    assert route_task(used[0], (), {}, {}) == {"queue": "gpu"}
    round_ = ActiveLearningRound.objects.get(pk=response.json()["id"])
    assert round_.status == "done", round_.error
    assert round_.model["n_features"] == 256 and round_.picks.count() == 2
    (backend,) = random_sam2.built
    assert backend.stats["embeddings_computed"] == 10  # one per item, now in the cache
    assert len(backend.cache) == 10
