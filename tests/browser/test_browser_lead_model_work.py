"""The lead page's pre-labeling and active-learning card in headless Chromium: the form's fields
reach the API, a bad field is shown with its name, a job runs and the page reloads with its
row, an active-learning round's picks appear with their raised priorities."""

from __future__ import annotations

import pytest

from apps.active.models import ActiveLearningPick, ActiveLearningRound
from apps.items.models import Item
from apps.jobs.models import Job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_starts_prelabeling_and_an_active_learning_round(signed_in, demo_site):
    _, project = demo_site
    session = signed_in("lead")
    page = session.open(f"/projects/{project.pk}/lead/")
    card = page.locator("#model-work")
    assert "grabcut" in card.locator("[data-backend]").inner_text().lower()
    # No checkpoint here: the SAM 2-only choices are not offered.
    assert card.locator("option[value=none]").count() == 0
    assert card.locator("option[value=sam2_uncertainty]").count() == 0

    # Pre-labeling prompted by the demo detector's boxes: GrabCut masks for every item; the page
    # reloads with the job's row.
    prelabel = card.locator("form[data-job-form=prelabel]")
    prelabel.locator("select[name=selection]").select_option("all")
    prelabel.locator("select[name=prompt_source]").select_option("prelabel")
    prelabel.locator("button[data-start-job]").click()
    page.wait_for_selector("#jobs td:has-text('prelabel.images')", timeout=120_000)
    job = Job.objects.get(project=project, kind="prelabel.images")
    assert job.status == "succeeded" and job.params["selection"] == "all"
    assert job.params["prompt_source"] == "prelabel"
    assert job.progress_total == Item.objects.filter(project=project).count()
    assert job.result["masks_created"] > 0

    # A bad batch size is refused by the API and the card says which field.
    rounds = page.locator("form[data-job-form=active-learning]")
    rounds.locator("input[name=batch_size]").fill("0")
    rounds.locator("button[data-start-job]").click()
    page.wait_for_selector("form[data-job-form=active-learning] .job-status:has-text('batch_size')")
    assert not ActiveLearningRound.objects.filter(project=project, strategy="margin").exists()

    rounds.locator("select[name=strategy]").select_option("margin")
    rounds.locator("input[name=batch_size]").fill("3")
    rounds.locator("button[data-start-job]").click()
    page.wait_for_selector("#table-al_rounds td:has-text('margin')", timeout=120_000)
    round_ = ActiveLearningRound.objects.get(project=project, strategy="margin")
    assert (round_.strategy, round_.batch_size, round_.status) == ("margin", 3, "done")
    picks = list(ActiveLearningPick.objects.filter(round=round_).order_by("rank"))
    # The small demo leaves few items unlabeled: the round picks what there is, up to 3.
    assert len(picks) == min(3, round_.pool["unlabeled"]) >= 1
    shown = page.locator("#table-al_picks tbody tr")
    assert shown.count() == len(picks)
    first = shown.first.locator("td")
    assert first.nth(0).inner_text() == str(picks[0].rank)
    assert first.nth(4).inner_text() == str(picks[0].priority_after)
    # never lowered, and the first pick leads the queue (the demo's round may have raised the
    # same items already)
    assert all(p.priority_after >= p.priority_before for p in picks)
    top = max(Item.objects.filter(project=project).values_list("priority", flat=True))
    assert picks[0].priority_after == top > 0
    session.screenshot("dash-lead-model-work")
    # The only console error allowed is the browser's own log line for the refused start.
    assert all("400" in e for e in session.errors), session.errors
