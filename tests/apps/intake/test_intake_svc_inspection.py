"""A simulated acceptance inspection end to end: sample, blind review, defects, verdict, rework.

The delivery: 40 items, each with one delivered car box (and a submitted assignment), plus two
held items. Plan: AQL 6.5, level II: a lot of 40 is letter D, n = 8, Ac 1, Re 2.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.intake.models import Batch, BatchItem
from apps.items.models import Item
from apps.workflow.models import Assignment
from labelqc.intake import DEFECT_TYPES, decide, plan_from_table, sample_items
from tests.apps.intake.intake_helpers import submitted
from tests.apps.shapes import add_box

pytestmark = pytest.mark.django_db
# Delivered boxes sit at x = 10.125 + i, y = 20.375: figures a leak would show.
DELIVERED_Y = 20.375


def delivered_box(index: int) -> tuple[float, float, float, float]:
    return (10.125 + index, DELIVERED_Y, 50.0, 40.0)


@pytest.fixture
def lot(project, team):
    car, person = project.classes.order_by("id")
    annotator = team.members[Role.ANNOTATOR]
    batch = Batch.objects.create(
        project=project, name="Acme week 1", cohort=project.cohorts.first()
    )
    items, boxes = [], {}
    for index in range(42):
        item = Item.objects.create(project=project, width=200, height=200, file_name=f"{index}.jpg")
        BatchItem.objects.create(batch=batch, item=item, held=index >= 40)
        boxes[item.pk] = delivered_box(index)
        add_box(item, car, boxes[item.pk], author=annotator)
        submitted(item, annotator)
        items.append(item)
    return SimpleNamespace(
        batch=batch, items=items, held=items[40:], boxes=boxes, car=car, person=person
    )


def start(client, project, batch, mode="blind", seed=None) -> dict:
    plan = {"aql": 6.5, "review_mode": mode}
    response = client.put(f"/api/projects/{project.pk}/sampling-plan/", plan, format="json")
    assert response.status_code == 200, response.content
    body = {} if seed is None else {"seed": seed}
    response = client.post(f"/api/batches/{batch.pk}/inspect/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def shape(cls, box, **attributes) -> dict:
    x, y, w, h = box
    return {
        "label_class": cls.pk,
        "geometry_type": "box",
        "geometry": {"x": x, "y": y, "w": w, "h": h},
        "attributes": attributes,
    }


def reviewer_sees(client, inspection: dict) -> list[str]:
    """Everything the reviewer can read about the inspection before the decision."""
    base = f"/api/inspections/{inspection['id']}/"
    pages = [client.get(base), client.get(base + "items/")]
    pages += [client.get(f"{base}items/{item_id}/") for item_id in inspection["sampled_item_ids"]]
    assert all(page.status_code == 200 for page in pages)
    return [page.content.decode() for page in pages]


def submit_references(client, inspection, lot, planted: dict[int, list[dict]]) -> None:
    for item_id in inspection["sampled_item_ids"]:
        shapes = planted.get(item_id, [shape(lot.car, lot.boxes[item_id])])
        response = client.post(
            f"/api/inspections/{inspection['id']}/items/{item_id}/reference/",
            {"annotations": shapes, "note": "re-drawn"},
            format="json",
        )
        assert response.status_code == 201, response.content


def test_blind_inspection_with_planted_defects_rejects_and_sends_the_batch_back(project, team, lot):
    manager, reviewer = team.clients[Role.QA_MANAGER], team.clients[Role.REVIEWER]
    inspection = start(manager, project, lot.batch, seed=11)
    plan = plan_from_table(40, 6.5)
    assert (
        (inspection["sample_size"], inspection["accept_number"])
        == (8, 1)
        == (
            plan.sample_size,
            plan.accept_number,
        )
    )
    lot_ids = [item.pk for item in lot.items[:40]]
    assert inspection["sampled_item_ids"] == [int(v) for v in sample_items(lot_ids, 8, 11)]
    assert Batch.objects.get(pk=lot.batch.pk).status == "sampling"

    # Blind: nothing the reviewer can open shows the delivered labels.
    for text in reviewer_sees(reviewer, inspection):
        assert str(DELIVERED_Y) not in text and '"delivered"' not in text

    s = inspection["sampled_item_ids"]
    box = lot.boxes
    shifted = (box[s[3]][0] + 25.0, DELIVERED_Y, 50.0, 40.0)  # IoU 1/3 with the delivery
    # The delivery of s[1] has one more box than the reviewer will draw.
    extra_author = team.members[Role.ANNOTATOR]
    add_box(Item.objects.get(pk=s[1]), lot.car, (150.0, 150.0, 30.0, 30.0), author=extra_author)
    planted = {
        s[0]: [shape(lot.car, box[s[0]]), shape(lot.person, (120.0, 120.0, 40.0, 60.0))],
        s[2]: [shape(lot.person, box[s[2]])],
        s[3]: [shape(lot.car, shifted)],
        s[4]: [shape(lot.car, box[s[4]], occluded=True)],
    }
    response = manager.post(f"/api/inspections/{inspection['id']}/decide/")
    assert response.status_code == 400 and "items" in response.json()  # nothing reviewed yet
    submit_references(reviewer, inspection, lot, planted)
    assert reviewer.post(f"/api/inspections/{inspection['id']}/decide/").status_code == 403

    response = manager.post(f"/api/inspections/{inspection['id']}/decide/")
    assert response.status_code == 200, response.content
    decided = response.json()
    expected_types = {
        "missing_object": s[0],
        "extra_object": s[1],
        "wrong_class": s[2],
        "poor_localisation": s[3],
        "wrong_attribute": s[4],
    }
    for defect_type in DEFECT_TYPES:
        assert decided["defect_summary"][defect_type]["n_defects"] == 1, defect_type
        assert decided["defect_summary"][defect_type]["n_items_affected"] == 1
    found = {row["defect_type"]: row["item_id"] for row in decided["defects"]}
    assert found == expected_types
    assert decided["n_defective"] == 5
    assert decided["verdict"] == decide(5, plan).verdict == "reject"

    batch = Batch.objects.get(pk=lot.batch.pk)
    assert (batch.status, batch.rework_cycles) == ("rejected", 1)
    lot_assignments = Assignment.objects.filter(item__in=lot.items[:40])
    assert set(lot_assignments.values_list("status", "rework_cycles")) == {("rework", 1)}
    held = Assignment.objects.filter(item__in=lot.held)
    assert set(held.values_list("status", "rework_cycles")) == {("submitted", 0)}
    assert decided["reworked_assignments"] == 40
    assert AuditEvent.objects.filter(action="workflow.assignment.rework").count() == 40
    assert AuditEvent.objects.filter(action="intake.inspection.reject").count() == 1
    assert AuditEvent.objects.filter(action="intake.batch.reject", entity_id=batch.pk).exists()
    rows = reviewer.get(f"/api/inspections/{inspection['id']}/items/").json()["results"]
    assert sum(row["defective"] for row in rows) == 5

    # The rework comes back: the batch is delivered again and re-inspected (cycle 1).
    again = manager.post(f"/api/inspections/{inspection['id']}/decide/")
    assert again.status_code == 400
    response = manager.patch(f"/api/batches/{batch.pk}/", {"status": "delivered"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "delivered"
    second = manager.post(f"/api/batches/{batch.pk}/inspect/", {}, format="json").json()
    assert second["rework_cycle"] == 1 and second["status"] == "open"


def test_blind_inspection_within_the_acceptance_number_accepts(project, team, lot):
    manager, reviewer = team.clients[Role.QA_MANAGER], team.clients[Role.REVIEWER]
    inspection = start(manager, project, lot.batch, seed=3)
    first = inspection["sampled_item_ids"][0]
    planted = {first: []}  # the reviewer sees no object: the delivered one is extra
    submit_references(reviewer, inspection, lot, planted)
    decided = manager.post(f"/api/inspections/{inspection['id']}/decide/").json()
    assert (
        decided["n_defective"] == 1 and decided["defect_summary"]["extra_object"]["n_defects"] == 1
    )
    assert decided["verdict"] == decide(1, plan_from_table(40, 6.5)).verdict == "accept"
    batch = Batch.objects.get(pk=lot.batch.pk)
    assert (batch.status, batch.rework_cycles) == ("accepted", 0)
    assert set(Assignment.objects.values_list("status", flat=True)) == {"submitted"}
    response = manager.post(f"/api/batches/{batch.pk}/inspect/", {}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_direct_mode_shows_the_delivery_and_takes_defect_marks(project, team, lot):
    manager, reviewer = team.clients[Role.QA_MANAGER], team.clients[Role.REVIEWER]
    inspection = start(manager, project, lot.batch, mode="direct")
    base = f"/api/inspections/{inspection['id']}/items/"
    first, second, *_ = inspection["sampled_item_ids"]
    detail = reviewer.get(f"{base}{first}/").json()
    assert detail["review_mode"] == "direct"
    assert [a["y"] for a in detail["delivered"]] == [DELIVERED_Y]
    response = reviewer.post(f"{base}{first}/reference/", {"annotations": []}, format="json")
    assert response.status_code == 400 and "review_mode" in response.json()
    response = reviewer.post(f"{base}{first}/defects/", {"defects": {"typo": 1}}, format="json")
    assert response.status_code == 400 and "defects" in response.json()
    marks = {first: {"missing_object": 2}, second: {"wrong_class": 1, "extra_object": 1}}
    for item_id in inspection["sampled_item_ids"]:
        response = reviewer.post(
            f"{base}{item_id}/defects/", {"defects": marks.get(item_id, {})}, format="json"
        )
        assert response.status_code == 201, response.content
    decided = manager.post(f"/api/inspections/{inspection['id']}/decide/").json()
    summary = decided["defect_summary"]
    assert summary["missing_object"] == {"n_defects": 2, "n_items_affected": 1, "item_rate": 0.125}
    assert summary["wrong_class"]["n_defects"] == summary["extra_object"]["n_defects"] == 1
    assert decided["n_defective"] == 2 and decided["verdict"] == "reject"


def test_reference_labels_are_validated_like_annotations(project, team, lot):
    manager, reviewer = team.clients[Role.QA_MANAGER], team.clients[Role.REVIEWER]
    inspection = start(manager, project, lot.batch)
    item_id = inspection["sampled_item_ids"][0]
    url = f"/api/inspections/{inspection['id']}/items/{item_id}/reference/"
    bad_class = {**shape(lot.car, (1, 1, 5, 5)), "label_class": 999999}
    response = reviewer.post(url, {"annotations": [bad_class]}, format="json")
    assert response.status_code == 400 and "annotations[0].label_class" in response.json()
    outside = shape(lot.car, (190, 190, 50, 50))
    response = reviewer.post(url, {"annotations": [outside]}, format="json")
    assert response.status_code == 400 and any(
        key.startswith("annotations[0]") for key in response.json()
    )
    tag = {**shape(lot.car, (1, 1, 5, 5)), "geometry_type": "tag"}
    assert reviewer.post(url, {"annotations": [tag]}, format="json").status_code == 400
    outsider = next(i.pk for i in lot.items if i.pk not in inspection["sampled_item_ids"])
    response = reviewer.post(
        f"/api/inspections/{inspection['id']}/items/{outsider}/reference/",
        {"annotations": []},
        format="json",
    )
    assert response.status_code == 400 and "item" in response.json()
    assert reviewer.get(f"/api/inspections/{inspection['id']}/items/{outsider}/").status_code == 404
    polygon = {
        "label_class": lot.car.pk,
        "geometry_type": "polygon",
        "geometry": {"points": [10, 10, 60, 10, 60, 50, 10, 50]},
    }
    response = reviewer.post(url, {"annotations": [polygon]}, format="json")
    assert response.status_code == 201
    stored = response.json()["reference"][0]
    assert (stored["x"], stored["y"], stored["w"], stored["h"]) == (10, 10, 50, 40)
    event = AuditEvent.objects.get(action="intake.inspection.reference")
    assert json.dumps(event.after["reference"]).count("polygon") == 1


def test_inspection_needs_a_plan_and_a_lot(project, team, lot):
    manager = team.clients[Role.QA_MANAGER]
    response = manager.post(f"/api/batches/{lot.batch.pk}/inspect/", {}, format="json")
    assert response.status_code == 400 and "sampling_plan" in response.json()
    manager.put(f"/api/projects/{project.pk}/sampling-plan/", {"aql": 1.0}, format="json")
    tiny = Batch.objects.create(project=project, name="tiny")
    BatchItem.objects.create(
        batch=tiny, item=Item.objects.create(project=project, width=5, height=5)
    )
    response = manager.post(f"/api/batches/{tiny.pk}/inspect/", {}, format="json")
    assert response.status_code == 400 and "batch" in response.json()
    response = manager.post(f"/api/batches/{lot.batch.pk}/inspect/", {"seed": -1}, format="json")
    assert response.status_code == 400 and "seed" in response.json()
