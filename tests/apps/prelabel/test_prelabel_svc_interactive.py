"""POST /api/items/{id}/prompt/: validation, answer shape, embedding cache, who may prompt."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.common.roles import Role
from apps.prelabel import backends
from apps.workflow.models import Assignment
from labelqc.prelabel.masks import decode_rle
from tests.apps.prelabel.conftest import upload_item

pytestmark = pytest.mark.django_db

ANSWER_KEYS = {
    "rle", "bbox", "area", "score", "uncertainty", "uncertainty_reason", "predicted_iou",
    "backend", "model_id", "embedding",
}  # fmt: skip


def url(item) -> str:
    return f"/api/items/{item.pk}/prompt/"


def test_bad_prompts_are_400_naming_the_field(project, coins, lead_client):
    width, height = coins.item.width, coins.item.height
    cases = [
        ({"points": [[10, 10], [20, 20]], "labels": [1]}, "labels"),
        ({"points": [[10, 10]], "labels": [2]}, "labels"),
        ({"points": [[width + 5, 10]], "labels": [1]}, "points"),
        ({"points": [[10, -1]], "labels": [1]}, "points"),
        ({"points": [[10]], "labels": [1]}, "points"),
        ({"box": [10, 10, 0, 5]}, "box"),
        ({"box": [width - 5, 10, 20, 20]}, "box"),
        ({"box": [10, 10, 20]}, "box"),
        ({}, "points"),
        ({"points": [[10, 10]], "labels": [1]}, "box"),  # GrabCut (no checkpoint) needs a box
    ]
    for body, field in cases:
        response = lead_client.post(url(coins.item), body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    assert height > 0


def test_grabcut_answer_on_coins(project, coins, lead_client):
    box = coins.boxes[0]
    body = {"box": [box.x, box.y, box.w, box.h], "points": [], "labels": [], "box_only": True}
    response = lead_client.post(url(coins.item), body, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == ANSWER_KEYS
    assert answer["backend"] == "grabcut" and answer["embedding"] is None
    assert answer["score"] is None and answer["uncertainty"] is None
    mask = decode_rle(answer["rle"])
    assert mask.shape == (coins.item.height, coins.item.width)
    reference = coins.references[box.pk]
    assert (mask & reference).sum() / (mask | reference).sum() >= 0.90
    assert answer["area"] == float(mask.sum())
    x, y, w, h = answer["bbox"]
    assert box.x <= x and x + w <= box.x + box.w and box.y <= y and y + h <= box.y + box.h


def test_sam2_answers_from_the_embedding_cache(project, media_root, lead_client, random_sam2):
    rng = np.random.default_rng(1)
    item = upload_item(project, rng.integers(0, 255, (48, 64, 3), dtype=np.uint8), "noise.png")
    body = {"points": [[30, 20], [5, 5]], "labels": [1, 0], "box": [10, 8, 40, 30]}
    first = lead_client.post(url(item), body, format="json")
    assert first.status_code == 200, first.content
    answer = first.json()
    assert set(answer) == ANSWER_KEYS
    assert answer["backend"] == "sam2" and "@random-" in answer["model_id"]
    assert answer["embedding"] == "computed"
    assert 0.0 <= answer["uncertainty"] <= 1.0 and 0.0 <= answer["predicted_iou"] <= 1.0
    assert answer["score"] == pytest.approx(1.0 - answer["uncertainty"])
    assert decode_rle(answer["rle"]).shape == (48, 64)
    (backend,) = random_sam2.built
    assert backend.stats["embeddings_computed"] == 1
    second = lead_client.post(url(item), {"points": [[31, 21]], "labels": [1]}, format="json")
    assert second.status_code == 200 and second.json()["embedding"] == "memory"
    assert backend.stats["embeddings_computed"] == 1  # the encoder ran once for both clicks
    assert len(backend.cache) == 1  # the embedding is on disk, keyed by sha256 + model id
    assert backend.cache.path_for(item.sha256, backend.model_id).exists()

    backends.reset()  # as a second worker process would: a new backend, the same cache dir
    third = lead_client.post(url(item), body, format="json")
    assert third.status_code == 200 and third.json()["embedding"] == "cache"
    fresh = random_sam2.built[-1]
    assert fresh is not backend
    assert fresh.stats == {"embeddings_computed": 0, "cache_hits": 1, "memory_hits": 0}
    # float16 cache round trip: the same mask as the first answer, within tolerance
    a, b = decode_rle(answer["rle"]), decode_rle(third.json()["rle"])
    assert (a & b).sum() / max((a | b).sum(), 1) > 0.99


def test_random_weights_are_refused_outside_tests(
    project, media_root, lead_client, random_sam2, settings
):
    settings.LABELQC_PRELABEL_ALLOW_RANDOM_WEIGHTS = False
    rng = np.random.default_rng(2)
    item = upload_item(project, rng.integers(0, 255, (48, 64, 3), dtype=np.uint8), "noise.png")
    response = lead_client.post(url(item), {"box": [10, 8, 40, 30]}, format="json")
    assert response.status_code == 503
    assert "random weights" in response.json()["detail"]


def test_who_may_prompt(project, coins, make_member, client_for):
    body = {"box": [coins.boxes[0].x, coins.boxes[0].y, coins.boxes[0].w, coins.boxes[0].h]}
    annotator = make_member(project, Role.ANNOTATOR)
    client = client_for(annotator.user)
    assert client.post(url(coins.item), body, format="json").status_code == 404  # no lease
    now = timezone.now()
    lease = Assignment.objects.create(
        project=project, item=coins.item, slot=0, annotator=annotator, status="leased",
        leased_at=now, lease_expires_at=now + timedelta(minutes=30),
    )  # fmt: skip
    assert client.post(url(coins.item), body, format="json").status_code == 200
    lease.lease_expires_at = now - timedelta(minutes=1)
    lease.save()
    assert client.post(url(coins.item), body, format="json").status_code == 404  # expired
    lease.status = "rework"
    lease.save()
    assert client.post(url(coins.item), body, format="json").status_code == 200
    for role in (Role.REVIEWER, Role.QA_MANAGER, Role.PROJECT_LEAD, Role.ADMIN):
        staff = client_for(make_member(project, role).user)
        assert staff.post(url(coins.item), body, format="json").status_code == 200, role
    finance = client_for(make_member(project, Role.FINANCE).user)
    assert finance.post(url(coins.item), body, format="json").status_code == 403


def test_prompts_past_the_users_rate_are_429_and_other_users_go_on(
    project, coins, lead_client, make_member, client_for, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"item_prompt": "2/min"},
    }
    box = coins.boxes[0]
    body = {"box": [box.x, box.y, box.w, box.h], "box_only": True}
    assert lead_client.post(url(coins.item), body, format="json").status_code == 200
    assert lead_client.post(url(coins.item), {}, format="json").status_code == 400
    refused = lead_client.post(url(coins.item), body, format="json")
    assert refused.status_code == 429, refused.content
    assert 1 <= int(refused["Retry-After"]) <= 60
    other = client_for(make_member(project, Role.REVIEWER).user)
    assert other.post(url(coins.item), body, format="json").status_code == 200
