"""Each page in headless Chromium: it loads, every plotly chart is drawn with data, no console
errors; a report snapshot runs as a job with progress; an annotator edits and submits a box;
re-segmentation clicks reach the prompt endpoint. Screenshots land in test-artifacts/."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from apps.annotations.models import Annotation
from apps.items.models import Item
from apps.items.services import item_update
from apps.projects.models import Annotator
from apps.workflow.models import Assignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = """() => Array.from(document.querySelectorAll('[data-figure]')).map((el) => ({
  name: el.dataset.figure,
  plotted: el.classList.contains('js-plotly-plot') && !!el.querySelector('svg.main-svg'),
  traces: (el.data || []).length,
}))"""


def charts_drawn(session, page_name: str) -> list[dict]:
    session.page.wait_for_selector("[data-figure].js-plotly-plot")
    charts = session.page.evaluate(CHARTS)
    assert charts, page_name
    for chart in charts:
        assert chart["plotted"] and chart["traces"] > 0, (page_name, chart)
    return charts


def test_manager_pages_draw_their_charts(signed_in, demo_site):
    _, project = demo_site
    for user, name, expected in (
        ("lead", "lead", {"compliance", "throughput", "effort"}),
        (
            "finance",
            "finance",
            {"waterfall", "by_class", "by_cohort", "by_vendor", "forecast", "budget", "scenarios"},
        ),
        ("qa", "qa", {"iou_boxes", "iaa_bars", "iaa_heatmap", "confusion", "drift_iou"}),
    ):
        session = signed_in(user)
        session.open(f"/projects/{project.pk}/{name}/")
        names = {c["name"] for c in charts_drawn(session, name)}
        assert expected <= names, (name, expected - names)
        table = session.page.locator("table.data").first
        table.locator("th").nth(1).click()  # sorting works without errors
        assert table.locator("th").nth(1).get_attribute("aria-sort") == "ascending"
        session.screenshot(f"dash-{name}")
        assert session.errors == [], (name, session.errors)
    # A long job from the page: start a quality report snapshot, follow its progress, reload.
    # The demo computed a report already: wait for the page to show the next one.
    page = session.page
    shown = re.search(r"quality report #(\d+)", page.locator("[data-source]").inner_text())
    assert shown, "the demo's report snapshot is not shown"
    page.click("button[data-start-job]")
    following = f"quality report #{int(shown[1]) + 1},"
    page.wait_for_selector(f"[data-source]:has-text('{following}')", timeout=60_000)
    charts_drawn(session, "qa after the snapshot")
    assert session.errors == []


def test_annotator_edits_and_submits_and_prompts_reach_the_endpoint(signed_in, demo_site):
    _, project = demo_site
    project.honeypot_initial_count, project.honeypot_rate = 0, 0.0
    project.save()
    source = Item.objects.filter(project=project, is_gold=False).first()
    item = Item.objects.create(
        project=project,
        width=source.width,
        height=source.height,
        file=source.file.name,
        file_name="fresh.png",
        sha256=source.sha256,
    )
    cls = project.classes.first()
    Annotation.objects.create(
        project=project,
        item=item,
        source="prelabel",
        model_id="grabcut",
        label_class=cls,
        geometry_type="box",
        geometry={"x": 20, "y": 20, "w": 60, "h": 40},
        x=20,
        y=20,
        w=60,
        h=40,
        area=2400,
        created_at=item.created_at,
        updated_at=item.created_at,
    )
    # the lead puts it at the front of the queue, ahead of the demo round's picks
    lead = Annotator.objects.get(project=project, role="project_lead").user
    item_update(actor=lead, item=item, data={"priority": 100})
    annotator = Annotator.objects.filter(project=project, role="annotator").first()
    session = signed_in(annotator.user.username)
    page = session.open(f"/projects/{project.pk}/queue/")
    page.wait_for_selector("#q-title:has-text('Assignment')")
    assert f"item {item.pk}" in page.inner_text("#q-title")
    page.wait_for_selector("#q-overlay rect.shape")
    page.locator("#q-overlay rect.shape").first.click()
    page.fill("#f-w", "75")
    page.click("#btn-apply")
    # Drag the bottom-right handle 30 screen pixels down: the box grows.
    handle = page.locator("#q-overlay circle.handle").nth(3).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + 30, steps=4)
    page.mouse.up()
    grown = float(page.input_value("#f-h"))
    assert grown > 40
    # Re-segmentation: whatever the real endpoint answers is shown, never a fake mask.
    box = page.locator("#q-image").bounding_box()
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.up("Shift")
    page.wait_for_function(
        "document.getElementById('sam-status').textContent.length > 0 && "
        "!document.getElementById('sam-status').textContent.includes('…')"
    )
    status = page.inner_text("#sam-status")
    assert status == "re-segmentation unavailable" or status.startswith(("mask from", "re-seg"))
    session.screenshot("dash-queue-annotate")
    page.click("#btn-clear-prompt")
    page.keyboard.press("a")
    page.wait_for_selector("#q-status:has-text('Submitted')")
    assignment = Assignment.objects.get(item=item, annotator=annotator)
    assert assignment.status == "submitted" and assignment.client_seconds is not None
    submitted = Annotation.objects.get(item=item, author=annotator, source="human")
    assert submitted.w == pytest.approx(75, abs=0.6) and submitted.h == pytest.approx(
        grown, abs=0.6
    )
    # The only console error allowed is the browser's own log line for the prompt 404.
    assert all("404" in e for e in session.errors), session.errors
    check_returned_mask_is_drawn(signed_in("reviewer"), project)


def canned_mask(width: int, height: int) -> tuple[dict, list[int]]:
    """An endpoint-shaped answer: a compressed COCO RLE (pycocotools) of one block."""
    pixels = np.zeros((height, width), dtype=np.uint8, order="F")
    top, left, bottom, right = height // 4, width // 3, height // 2, width // 2
    pixels[top:bottom, left:right] = 1
    encoded = mask_utils.encode(pixels)
    bbox = [int(v) for v in mask_utils.toBbox(encoded)]
    rle = {"size": [height, width], "counts": encoded["counts"].decode()}
    return {"rle": rle, "bbox": bbox, "score": 0.9, "backend": "canned-for-ui-test"}, bbox


def check_returned_mask_is_drawn(session, project) -> None:
    """The UI half of re-segmentation, with the endpoint's answer supplied by the test."""
    page = session.open(f"/projects/{project.pk}/queue/")
    page.wait_for_selector("#q-title:has-text('Review')")
    item = Item.objects.get(pk=int(page.inner_text("#q-title").rsplit(" ", 1)[1]))
    answer, (x, y, w, h) = canned_mask(item.width, item.height)
    page.route(
        "**/api/items/*/prompt/",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(answer)
        ),
    )
    page.locator("#q-overlay rect.shape.submission").last.click()  # the topmost one
    box = page.locator("#q-image").bounding_box()
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + 5, box["y"] + 5)
    page.keyboard.up("Shift")
    page.wait_for_selector("#sam-status:has-text('canned-for-ui-test')")
    alpha = page.evaluate(
        """([points]) => points.map(([px, py]) => document.getElementById('q-mask')
             .getContext('2d').getImageData(px, py, 1, 1).data[3])""",
        [[[x + 1, y + 1], [x + w - 2, y + h - 2], [x - 3, y + 1], [x + 1, y + h + 2]]],
    )
    assert alpha[0] > 0 and alpha[1] > 0 and alpha[2] == 0 and alpha[3] == 0
    session.screenshot("dash-queue-review-mask")
    page.click("#btn-use-mask")
    fields = [float(page.input_value(f"#f-{k}")) for k in "xywh"]
    assert fields == [x, y, w, h]
    assert session.errors == []
