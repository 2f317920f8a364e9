"""The batch page in headless Chromium (Debian's /usr/bin/chromium through Playwright): the OC
curve is drawn by the locally served plotly.js, Screen runs the job with progress, the keep /
drop buttons reach the API, and a refused request's errors are shown on the page (intake.js uses
dash.js's request and error helpers). Skips, saying why, without Chromium (tests/chromium.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.common.roles import Role
from apps.intake import services
from apps.intake.models import Batch, BatchItem, SamplingPlan
from apps.projects.models import Annotator
from tests.apps.intake.intake_helpers import delivery_files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "intake-pw-123"


@pytest.fixture
def signed_in(browser_page, live_server) -> Callable[[str], tuple[Any, list[str]]]:
    """A page signed in through the login form, and the list its uncaught errors go to."""

    def sign_in(username: str) -> tuple[Any, list[str]]:
        page = browser_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page, errors

    return sign_in


def test_batch_page_screens_draws_the_oc_curve_and_decides(signed_in, live_server, project):
    user = get_user_model().objects.create_user("qa", password=PASSWORD)
    Annotator.objects.create(project=project, user=user, role=Role.QA_MANAGER)
    SamplingPlan.objects.create(project=project, aql=6.5)
    batch = Batch.objects.create(project=project, name="Browser delivery")
    files = delivery_files()
    chosen = ("astronaut.png", "camera.png", "coffee.png", "astronaut_blurred.png")
    uploads = [SimpleUploadedFile(name, files[name]) for name in chosen]
    services.batch_add_uploads(actor=user, batch=batch, uploads=uploads)

    page, errors = signed_in("qa")
    page.goto(f"{live_server.url}/batches/{batch.pk}/")
    page.wait_for_selector("#oc-curve .main-svg")
    page.click("button[data-url$='/screen/']")  # runs in-process (eager), then the page reloads
    page.wait_for_selector("#duplicates [data-group]")
    assert BatchItem.objects.filter(batch=batch, screened_at__isnull=False).count() == 4
    blurred = BatchItem.objects.get(batch=batch, item__file_name="astronaut_blurred.png")
    assert blurred.held
    with page.expect_navigation():  # the page reloads once the API has answered
        page.click(
            f"#duplicates button[data-url='/api/batch-items/{blurred.pk}/']:has-text('keep')"
        )
    blurred.refresh_from_db()
    assert (blurred.decision, blurred.held) == ("keep", False)
    page.wait_for_selector("#oc-curve .main-svg")
    assert errors == []


def test_refused_requests_show_their_errors_and_stay_on_the_page(signed_in, live_server, project):
    user = get_user_model().objects.create_user("qa", password=PASSWORD)
    Annotator.objects.create(project=project, user=user, role=Role.QA_MANAGER)
    page, errors = signed_in("qa")

    # A field error from the serializer: "field: message" (a blank name passes `required`).
    page.goto(f"{live_server.url}/projects/{project.pk}/batches/")
    page.fill("form[data-create-batch] input[name=name]", "   ")
    page.click("form[data-create-batch] button[type=submit]")
    page.wait_for_selector("[data-message]:has-text('name: This field may not be blank.')")
    assert page.url == f"{live_server.url}/projects/{project.pk}/batches/"
    assert not Batch.objects.exists()

    # A service's refusal of a button's request, under the field it names.
    batch = Batch.objects.create(project=project, name="Empty delivery")
    page.goto(f"{live_server.url}/batches/{batch.pk}/")
    page.click("button[data-url$='/release/']")
    page.wait_for_selector("[data-message]:has-text('batch: the batch has no items')")
    assert page.locator("button[data-url$='/release/']").is_enabled()

    # DRF's `detail`: the batch went away after the page was drawn.
    batch.delete()
    page.click("button:has-text('Mark delivered')")
    page.wait_for_selector("[data-message]:has-text('Not found.')")
    assert errors == []
