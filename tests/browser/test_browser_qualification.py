"""The QA page's qualification table in headless Chromium: a QA manager grants a failed
annotator a retake with the row's button; the row says so without a reload, the member is
pending again from now on, and their alert is resolved."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import Annotator, Project
from apps.workflow.models import Alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_qa_grants_a_failed_annotator_a_retake_from_the_page(signed_in, demo_site):
    _, project = demo_site
    # A retake needs gold the annotator has not seen: one new gold item, one to qualify on.
    Project.objects.filter(pk=project.pk).update(
        qualification_accuracy=0.9, honeypot_initial_count=1
    )
    Item.objects.create(project=project, is_gold=True, width=8, height=8, file_name="new-gold.jpg")
    failed = Annotator.objects.filter(project=project, role=Role.ANNOTATOR).first()
    Annotator.objects.filter(pk=failed.pk).update(qualification="failed")
    Alert.objects.create(
        project=project, kind="qualification", key=f"annotator:{failed.pk}", message="failed"
    )
    session = signed_in("qa")
    page = session.open(f"/projects/{project.pk}/qa/")
    row = page.locator("#table-qualification tbody tr", has_text=failed.pseudonym).first
    assert row.locator("button").all_inner_texts() == ["Pass", "Retake"]
    row.locator("button", has_text="Retake").click()
    page.wait_for_selector("#table-qualification tr.done td.row-action:has-text('retake granted')")

    failed.refresh_from_db()
    assert failed.qualification == "pending" and failed.qualification_attempt_from is not None
    alert = Alert.objects.get(project=project, kind="qualification")
    assert alert.resolved_at is not None and alert.resolved_by.username == "qa"
    session.screenshot("dash-qa-qualification-retake")
    assert session.errors == []
