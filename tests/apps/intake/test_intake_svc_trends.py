"""Defect rates by error type over decided inspections, by batch, cohort and vendor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.common.roles import Role
from apps.intake import services
from apps.intake.models import Batch, BatchInspection, BatchItem
from apps.items.models import Item
from apps.projects.models import Cohort

pytestmark = pytest.mark.django_db


def inspected(project, user, name, cohort, vendor, marks: dict[str, int], when: datetime):
    """A lot of 20 (AQL 10: n = 5) whose first sampled items get the marked defect types."""
    batch = Batch.objects.create(project=project, name=name, cohort=cohort, vendor=vendor)
    items = Item.objects.bulk_create(
        [Item(project=project, width=9, height=9, file_name=f"{name}{i}") for i in range(20)]
    )
    BatchItem.objects.bulk_create([BatchItem(batch=batch, item=item) for item in items])
    inspection = services.inspection_start(actor=user, batch=batch, seed=1)
    sampled = inspection.sampled_item_ids
    position = 0
    for defect_type, count in marks.items():
        for item_id in sampled[position : position + count]:
            services.defects_mark(
                actor=user, inspection=inspection, item_id=item_id, counts={defect_type: 1}
            )
        position += count
    for item_id in sampled[position:]:
        services.defects_mark(actor=user, inspection=inspection, item_id=item_id, counts={})
    services.inspection_decide(actor=user, inspection=inspection)
    BatchInspection.objects.filter(pk=inspection.pk).update(decided_at=when)
    return batch


@pytest.fixture
def history(project, team):
    user = team.members[Role.QA_MANAGER].user
    services.plan_set(
        actor=user,
        project_id=project.pk,
        data={"method": "table", "aql": 10, "review_mode": "direct"},
    )
    acme = project.cohorts.get(name="Vendor A")  # vendor "Acme"
    crowd = Cohort.objects.create(project=project, name="Crowd", vendor="Crowdy")
    batches = [
        inspected(project, user, f"acme-{week}", acme, "", {"missing_object": 1}, at)
        for week, at in enumerate(
            [datetime(2026, 3, day, tzinfo=UTC) for day in (2, 9, 16)], start=1
        )
    ]
    batches.append(
        inspected(
            project,
            user,
            "crowd-1",
            crowd,
            "",
            {"extra_object": 2},
            datetime(2026, 3, 10, tzinfo=UTC),
        )
    )
    return batches


def rates(rows, key, value, defect_type):
    return [
        (row["period"], row["rate"], row["n_items"])
        for row in rows
        if row[key] == value and row["defect_type"] == defect_type
    ]


def test_trend_by_vendor_per_inspection_finds_the_recurring_error(history, team, project):
    manager = team.clients[Role.QA_MANAGER]
    response = manager.get(f"/api/projects/{project.pk}/defect-trends/?by=vendor&period=inspection")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["by"], body["period"]) == ("vendor", "inspection")
    # Each Acme inspection sampled 5 items, one with a missing object: 20% three times running.
    missing = rates(body["trend"], "vendor", "Acme", "missing_object")
    assert [(rate, n) for _, rate, n in missing] == [(0.2, 5)] * 3
    assert [p[:10] for p, _, _ in missing] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert rates(body["trend"], "vendor", "Crowdy", "extra_object")[0][1:] == (0.4, 5)
    assert rates(body["trend"], "vendor", "Crowdy", "any")[0][1:] == (0.4, 5)
    recurring = {(r["vendor"], r["defect_type"]): r for r in body["recurring"]}
    assert recurring[("Acme", "missing_object")]["recurring"] is True
    assert recurring[("Acme", "missing_object")]["longest_run"] == 3
    assert recurring[("Acme", "missing_object")]["slope"] == pytest.approx(0.0)
    assert recurring[("Crowdy", "extra_object")]["recurring"] is False
    assert {key for key, r in recurring.items() if r["recurring"]} == {
        ("Acme", "any"),
        ("Acme", "missing_object"),
    }


def test_trend_by_batch_and_by_cohort_per_month(history, team, project):
    manager = team.clients[Role.QA_MANAGER]
    url = f"/api/projects/{project.pk}/defect-trends/"
    by_batch = manager.get(url + "?by=batch").json()
    names = {row["name"] for row in by_batch["trend"]}
    assert names == {"acme-1", "acme-2", "acme-3", "crowd-1"}
    by_cohort = manager.get(url + "?by=cohort&period=month").json()
    acme = project.cohorts.get(name="Vendor A")
    missing = rates(by_cohort["trend"], "cohort_id", acme.pk, "missing_object")
    # One calendar month: the three Acme inspections pool to 3 of 15 sampled items.
    assert [(p[:10], rate, n) for p, rate, n in missing] == [("2026-03-01", 0.2, 15)]
    assert {row["name"] for row in by_cohort["trend"]} == {"Vendor A", "Crowd"}


def test_trend_query_is_validated_and_role_checked(history, team, project):
    url = f"/api/projects/{project.pk}/defect-trends/"
    manager = team.clients[Role.QA_MANAGER]
    assert manager.get(url + "?by=annotator").status_code == 400
    assert manager.get(url + "?period=year").status_code == 400
    assert manager.get(url + "?min_rate=2").status_code == 400
    for role in (Role.ANNOTATOR, Role.FINANCE, Role.REVIEWER):
        assert team.clients[role].get(url).status_code == 403


def test_no_decided_inspection_gives_empty_trends(team, project):
    body = team.clients[Role.PROJECT_LEAD].get(f"/api/projects/{project.pk}/defect-trends/").json()
    assert body["trend"] == [] and body["recurring"] == []
