"""Screening a delivery of real photographs through the API and the Celery task (eager)."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.intake.models import BatchItem
from apps.intake.services import screening
from apps.items.models import Item
from apps.jobs.models import Job
from apps.jobs.services import job_cancel
from tests.apps.intake.intake_helpers import rows_by_item, uploads

pytestmark = pytest.mark.django_db


@pytest.fixture
def progress_calls(monkeypatch):
    calls: list[tuple[int, int | None]] = []
    real = screening.job_progress

    def spy(job_id, *, done, total=None, failures=None):
        calls.append((done, total))
        real(job_id, done=done, total=total, failures=failures)

    monkeypatch.setattr(screening, "job_progress", spy)
    return calls


def test_screening_flags_groups_holds_and_reports_unreadable_files(
    delivery, manager, run_screen, progress_calls
):
    items, batch_id = delivery.items, delivery.batch["id"]
    started = run_screen(batch_id)
    assert started["kind"] == "intake.screen" and started["progress_total"] == 10

    job = Job.objects.get(pk=started["id"])
    # Two unreadable files are reported, yet the job succeeds and every item is screened.
    assert job.status == "succeeded"
    assert (job.progress_done, job.progress_total, job.failures) == (10, 10, 2)
    assert {entry["item"] for entry in job.errors} == {items["broken.png"], items["remote.jpg"]}
    assert job.result["n_unreadable"] == 2 and job.result["n_items"] == 10
    # Progress was written while the job ran, in order, up to the total.
    dones = [done for done, _ in progress_calls]
    assert dones == sorted(dones) and dones[-1] == 10 and len(dones) >= 5

    rows = rows_by_item(manager, batch_id)
    row = {name: rows[item_id] for name, item_id in items.items()}
    for clean in ("astronaut.png", "camera.png", "coffee.png", "chelsea.png", "rocket.png"):
        assert row[clean]["flags"] == [], clean
        assert row[clean]["suggestion"] == "keep" and row[clean]["held"] is False, clean

    blurred = row["astronaut_blurred.png"]
    assert "blurry" in blurred["flags"] and "near_duplicate" in blurred["flags"]
    assert blurred["near_group"] == row["astronaut.png"]["near_group"] is not None
    assert blurred["duplicate_of"] == items["astronaut.png"]
    assert (
        blurred["measures"]["laplacian_var"]
        < 100
        < row["astronaut.png"]["measures"]["laplacian_var"]
    )
    assert blurred["suggestion"] == "drop" and blurred["held"] is True

    jpeg = row["coffee_q70.jpg"]
    assert jpeg["flags"] == ["near_duplicate"] and jpeg["duplicate_of"] == items["coffee.png"]
    assert jpeg["near_group"] == row["coffee.png"]["near_group"]
    assert jpeg["hamming_to_keeper"] <= 8 and jpeg["held"] is True

    copy = row["chelsea_copy.png"]
    assert copy["flags"] == ["exact_duplicate"] and copy["duplicate_of"] == items["chelsea.png"]
    assert copy["exact_group"] == row["chelsea.png"]["exact_group"] is not None
    assert copy["sha256"] == row["chelsea.png"]["sha256"]

    for name, reason in (("broken.png", ""), ("remote.jpg", "no stored file")):
        assert row[name]["readable"] is False and row[name]["flags"] == ["unreadable"]
        assert row[name]["held"] is True and reason in row[name]["error"] and row[name]["error"]

    groups = manager.get(f"/api/batches/{batch_id}/duplicates/").json()
    assert sorted(sorted(m["item"] for m in g["members"]) for g in groups) == sorted(
        sorted([items[a], items[b]])
        for a, b in (
            ("astronaut.png", "astronaut_blurred.png"),
            ("coffee.png", "coffee_q70.jpg"),
            ("chelsea.png", "chelsea_copy.png"),
        )
    )
    held = manager.get(f"/api/batches/{batch_id}/items/?held=true").json()
    assert held["count"] == 5
    detail = manager.get(f"/api/batches/{batch_id}/").json()
    assert (detail["status"], detail["n_items"], detail["n_held"]) == ("screening", 10, 5)
    runs = manager.get(f"/api/batches/{batch_id}/screening-runs/").json()["results"]
    assert runs[0]["status"] == "done" and runs[0]["summary"]["n_near_groups"] == 3
    screened = AuditEvent.objects.filter(
        action="intake.batch_item.screen", project_id=delivery.batch["project"]
    )
    assert screened.count() == 10


def test_release_queues_only_items_that_are_not_held(delivery, manager, run_screen, project):
    from apps.workflow.models import Assignment

    items, batch_id = delivery.items, delivery.batch["id"]
    response = manager.post(f"/api/batches/{batch_id}/release/")
    assert response.status_code == 400 and "screening" in response.json()
    run_screen(batch_id)
    response = manager.post(f"/api/batches/{batch_id}/release/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["released_items"], body["held_items"]) == (5, 5)
    assert body["batch"]["status"] == "released"
    queued = set(Assignment.objects.values_list("item_id", flat=True))
    clean = {"astronaut.png", "camera.png", "coffee.png", "chelsea.png", "rocket.png"}
    assert queued == {items[name] for name in clean}

    # A person keeps the blurred copy after release: it joins the queue at once.
    membership = BatchItem.objects.get(item_id=items["astronaut_blurred.png"])
    response = manager.patch(
        f"/api/batch-items/{membership.pk}/", {"decision": "keep"}, format="json"
    )
    assert response.status_code == 200 and response.json()["held"] is False
    assert Assignment.objects.filter(item_id=items["astronaut_blurred.png"]).count() == 1
    # After release nothing can be dropped any more, and nothing can be added.
    response = manager.patch(
        f"/api/batch-items/{membership.pk}/", {"decision": "drop"}, format="json"
    )
    assert response.status_code == 400 and "decision" in response.json()
    response = manager.post(
        f"/api/batches/{batch_id}/items/", {"item_ids": [items["camera.png"]]}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()
    assert AuditEvent.objects.filter(action="intake.batch.release").count() == 1


def test_a_persons_decision_survives_a_new_screening(delivery, manager, run_screen):
    items, batch_id = delivery.items, delivery.batch["id"]
    run_screen(batch_id)
    copy = BatchItem.objects.get(item_id=items["chelsea_copy.png"])
    response = manager.patch(f"/api/batch-items/{copy.pk}/", {"decision": "keep"}, format="json")
    assert response.status_code == 200
    response = manager.patch(f"/api/batch-items/{copy.pk}/", {"decision": "maybe"}, format="json")
    assert response.status_code == 400 and "decision" in response.json()
    run_screen(batch_id)
    copy.refresh_from_db()
    assert (copy.decision, copy.held, copy.suggestion) == ("keep", False, "drop")
    assert AuditEvent.objects.filter(action="intake.batch_item.keep", entity_id=copy.pk).exists()


def test_thresholds_are_per_project_validated_and_used(delivery, manager, run_screen, project):
    url = f"/api/projects/{project.pk}/screening-settings/"
    assert manager.get(url).json()["thresholds"]["min_side"] == 64
    for body, field in (
        ({"thresholds": {"min_side": 0}}, "thresholds.min_side"),
        ({"thresholds": {"blur": 3}}, "thresholds.blur"),
        ({"thresholds": {"max_hamming_distance": 64}}, "thresholds.max_hamming_distance"),
        ({"thresholds": {"dark_level": 250}}, "thresholds.dark_level"),
        ({"hold_flags": ["sideways"]}, "hold_flags"),
    ):
        response = manager.put(url, body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())

    # Images under 450 px on a side are "tiny" now; blur no longer holds an item by itself.
    body = {"thresholds": {"min_side": 450}, "hold_flags": ["unreadable", "tiny"]}
    response = manager.put(url, body, format="json")
    assert response.status_code == 200 and response.json()["overrides"] == {"min_side": 450}
    run_screen(delivery.batch["id"])
    rows = rows_by_item(manager, delivery.batch["id"])
    items = delivery.items
    assert "tiny" in rows[items["chelsea.png"]]["flags"]  # 451 x 300
    assert rows[items["chelsea.png"]]["held"] is True
    assert rows[items["astronaut.png"]]["flags"] == [] and not rows[items["astronaut.png"]]["held"]
    assert AuditEvent.objects.filter(action="intake.screening_settings.set").count() == 1


def test_uploads_are_all_or_nothing_and_name_the_corrupt_file(make_batch, manager, files):
    batch = make_batch("Delivery 2")
    before = Item.objects.count()
    bad = uploads({"a.png": files["camera.png"], "b.png": b"\x89PNG not really", "c.png": b""})
    response = manager.post(
        f"/api/batches/{batch['id']}/items/", {"files": bad}, format="multipart"
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"files[1]", "files[2]"} and "b.png" in errors["files[1]"][0]
    assert Item.objects.count() == before and not BatchItem.objects.exists()


def test_adding_existing_items_is_checked(project, make_batch, manager, item):
    first, second = make_batch("B1"), make_batch("B2")
    gold = Item.objects.create(project=project, width=5, height=5, is_gold=True)
    url = f"/api/batches/{first['id']}/items/"
    assert manager.post(url, {"item_ids": [item.pk]}, format="json").status_code == 201
    response = manager.post(
        f"/api/batches/{second['id']}/items/",
        {"item_ids": [item.pk, gold.pk, 999999]},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "already in batch 'B1'" in errors["item_ids[0]"][0]
    assert "gold" in errors["item_ids[1]"][0] and "not in this project" in errors["item_ids[2]"][0]
    duplicate = manager.post(
        f"/api/batches/{second['id']}/items/", {"item_ids": [gold.pk, gold.pk]}, format="json"
    )
    assert duplicate.status_code == 400 and "item_ids[1]" in duplicate.json()
    assert manager.post(url, {"item_ids": []}, format="json").status_code == 400


def test_screening_an_empty_batch_or_twice_at_once_is_refused(make_batch, manager, item):
    batch = make_batch("Empty")
    response = manager.post(f"/api/batches/{batch['id']}/screen/")
    assert response.status_code == 400 and "batch" in response.json()
    manager.post(f"/api/batches/{batch['id']}/items/", {"item_ids": [item.pk]}, format="json")
    # Without running the queued task the job stays pending: a second start is refused.
    assert manager.post(f"/api/batches/{batch['id']}/screen/").status_code == 202
    response = manager.post(f"/api/batches/{batch['id']}/screen/")
    assert response.status_code == 400 and "running" in response.json()["batch"][0]


def test_a_missing_file_is_reported_and_a_cancelled_job_frees_the_batch(
    make_batch, manager, files, run_screen
):
    batch = make_batch("Lost files")
    chosen = {"camera.png": files["camera.png"], "rocket.png": files["rocket.png"]}
    rows = manager.post(
        f"/api/batches/{batch['id']}/items/", {"files": uploads(chosen)}, format="multipart"
    ).json()
    lost = Item.objects.get(pk=rows[0]["item"])
    lost.file.storage.delete(lost.file.name)
    # A screening cancelled before its task ran leaves the batch free for a new one.
    queued = manager.post(f"/api/batches/{batch['id']}/screen/").json()
    assert manager.delete(f"/api/jobs/{queued['id']}/").json()["status"] == "cancelled"
    job = Job.objects.get(pk=run_screen(batch["id"])["id"])
    assert job.status == "succeeded" and job.failures == 1
    row = rows_by_item(manager, batch["id"])[lost.pk]
    assert row["readable"] is False and "cannot be read" in row["error"] and row["held"]
    runs = manager.get(f"/api/batches/{batch['id']}/screening-runs/").json()["results"]
    assert [run["status"] for run in runs] == ["done", "cancelled"]


def test_an_item_taken_by_a_concurrent_request_after_the_check_is_a_400(
    project, make_batch, manager, item, monkeypatch
):
    first, second = make_batch("B1"), make_batch("B2")
    real_filter = BatchItem.objects.filter

    def check_that_misses_the_other_request(*args, **kwargs):
        # the other request's row lands between this request's check and its write
        BatchItem.objects.bulk_create([BatchItem(batch_id=first["id"], item_id=item.pk)])
        monkeypatch.setattr(BatchItem.objects, "filter", real_filter)
        return real_filter(pk__in=[])

    monkeypatch.setattr(BatchItem.objects, "filter", check_that_misses_the_other_request)
    response = manager.post(
        f"/api/batches/{second['id']}/items/", {"item_ids": [item.pk]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "item_ids" in response.json()
    # (the other request's row shares this test's transaction, so it is rolled back with it)
    assert not real_filter(batch_id=second["id"]).exists()


def test_a_file_over_the_upload_cap_is_named_and_nothing_is_stored(
    make_batch, manager, files, settings, project, lead_client
):
    settings.LABELQC_MAX_UPLOAD_BYTES = 2_000
    big = files["camera.png"]
    assert len(big) > 2_000
    batch = make_batch("Delivery 3")
    response = manager.post(
        f"/api/batches/{batch['id']}/items/",
        {"files": uploads({"big.png": big})},
        format="multipart",
    )
    assert response.status_code == 400 and "more than the 2000" in response.json()["files[0]"][0]
    direct = lead_client.post(
        f"/api/projects/{project.pk}/items/",
        {"file": uploads({"big.png": big})[0]},
        format="multipart",
    )
    assert direct.status_code == 400 and "file" in direct.json()
    assert not Item.objects.exists()


def test_a_screening_cancelled_before_it_writes_leaves_the_items_unscreened(
    delivery, run_screen, monkeypatch
):
    real = screening._write

    def cancelled_meanwhile(run, *args, **kwargs):
        job_cancel(run.job_id)
        return real(run, *args, **kwargs)

    monkeypatch.setattr(screening, "_write", cancelled_meanwhile)
    run_screen(delivery.batch["id"])
    assert screening.ScreeningRun.objects.get().status == "cancelled"
    assert not BatchItem.objects.filter(readable__isnull=False).exists()
