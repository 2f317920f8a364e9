"""The lead page's open alerts in headless Chromium: Resolve posts to the API, the row says
resolved without a reload, and the alert is gone from the page's next load."""

from __future__ import annotations

import pytest

from apps.workflow.models import Alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_resolves_an_open_alert_from_the_page(signed_in, demo_site):
    _, project = demo_site
    open_alerts = Alert.objects.filter(project=project, resolved_at__isnull=True)
    assert open_alerts.exists(), "the demo raises at least one alert"
    before = open_alerts.count()
    session = signed_in("lead")
    page = session.open(f"/projects/{project.pk}/lead/")
    row = page.locator("#table-alerts tbody tr").first
    alert_id = int(row.locator("td").first.get_attribute("data-sort"))
    row.locator("button[data-row-action]").click()
    page.wait_for_selector("#table-alerts tr.done td.row-action:has-text('resolved')")
    alert = Alert.objects.get(pk=alert_id)
    assert alert.resolved_at is not None and alert.resolved_by.username == "lead"
    session.screenshot("dash-lead-alert-resolved")

    page = session.open(f"/projects/{project.pk}/lead/")
    shown = page.locator("#table-alerts tbody tr")
    assert shown.count() == before - 1
    assert session.errors == []
