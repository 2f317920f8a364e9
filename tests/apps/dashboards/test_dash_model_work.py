"""The lead page's pre-labeling and active-learning card: the backend it would run, the
choices it offers, the rounds table and the latest finished round's picks (also as CSV)."""

from __future__ import annotations

import csv
import io

import pytest

from apps.active.models import ActiveLearningPick, ActiveLearningRound

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_lead_page_offers_what_the_backend_can_do(worked_demo, login):
    html = login("lead").get(f"/projects/{worked_demo.pk}/lead/").content.decode()
    assert 'data-backend="grabcut"' in html
    assert f'data-start-job="/api/projects/{worked_demo.pk}/prelabel-jobs/"' in html
    assert 'value="hybrid" selected' in html
    # Without a SAM 2 checkpoint: no automatic masks, no SAM 2 uncertainty or embeddings.
    assert 'value="none"' not in html and "sam2_uncertainty" not in html
    assert 'value="sam2_embedding"' not in html
    # the demo's first round is listed with its picks; without any round the card says so
    first = ActiveLearningRound.objects.filter(project=worked_demo).earliest("id")
    assert (first.strategy, first.status) == ("hybrid", "done") and first.picks.exists()
    assert f"(round {first.pk}, hybrid)" in html
    ActiveLearningRound.objects.filter(project=worked_demo).delete()  # rolled back after the test
    html = login("lead").get(f"/projects/{worked_demo.pk}/lead/").content.decode()
    assert "No active-learning round yet." in html


def test_rounds_and_latest_picks_are_listed(worked_demo, login, django_capture_on_commit_callbacks):
    client = login("lead")
    earlier = list(
        ActiveLearningRound.objects.filter(project=worked_demo)
        .order_by("-id")
        .values_list("pk", flat=True)
    )
    for batch_size in (2, 3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/api/projects/{worked_demo.pk}/active-learning/rounds/",
                {"strategy": "margin", "batch_size": batch_size},
                content_type="application/json",
            )
        assert response.status_code == 202, response.content
    failed = ActiveLearningRound.objects.create(
        project=worked_demo, strategy="hybrid", batch_size=5, features="image_stats",
        status="failed", error="too few labeled items",
    )  # fmt: skip
    url = f"/projects/{worked_demo.pk}/lead/"
    rounds = csv_rows(client.get(f"{url}?format=csv&table=al_rounds"))
    latest = ActiveLearningRound.objects.filter(status="done").latest("id")
    assert [int(r["id"]) for r in rounds] == [failed.pk, latest.pk, latest.pk - 1, *earlier]
    assert rounds[0]["status"] == "failed" and rounds[0]["error"] == "too few labeled items"
    unlabeled = latest.pool["unlabeled"]
    assert int(rounds[1]["unlabeled"]) == unlabeled >= 1
    assert int(rounds[1]["picked"]) == min(3, unlabeled) == latest.picks.count()
    picks = csv_rows(client.get(f"{url}?format=csv&table=al_picks"))
    expected = ActiveLearningPick.objects.filter(round=latest).order_by("rank")
    assert [int(p["rank"]) for p in picks] == [p.rank for p in expected]
    assert [int(p["priority_after"]) for p in picks] == [p.priority_after for p in expected]
    assert f"(round {latest.pk}, margin)" in client.get(url).content.decode()
