"""Pre-labeling a honeypot from human boxes would turn earlier annotators' answers into the next
annotator's drafts: a job skips gold items for human and consensus prompts, saying why, and
writes no masks there."""

from __future__ import annotations

import pytest

from apps.annotations.models import Annotation
from apps.items.models import Item
from apps.jobs.models import Job
from apps.prelabel.models import PrelabelItem

pytestmark = pytest.mark.django_db


def test_gold_items_are_skipped_for_human_prompts(
    project, coins, lead_client, django_capture_on_commit_callbacks
):
    Item.objects.filter(pk=coins.item.pk).update(is_gold=True)
    body = {"selection": "ids", "item_ids": [coins.item.pk], "prompt_source": "human"}
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            f"/api/projects/{project.pk}/prelabel-jobs/", body, format="json"
        )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.errors
    assert job.result["items"]["skipped"] == 1 and job.result["masks_created"] == 0
    row = PrelabelItem.objects.get(job=job)
    assert row.status == "skipped" and "gold item" in row.detail
    assert not Annotation.objects.filter(item=coins.item, source="prelabel").exists()
