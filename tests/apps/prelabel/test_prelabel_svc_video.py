"""Video propagation: 409 without SAM 2; with the injected random-weight model, masks per frame,
occlusion without masks, review flags stored and listed. Nothing judges mask quality.

With random weights the object score may be negative on every frame, so the tests bias
`pred_obj_score_head` to force presence (+20) or absence (-20).
"""

from __future__ import annotations

import numpy as np
import pytest

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Video
from apps.jobs.models import Job
from apps.prelabel.models import VideoReviewFlag
from tests.apps.prelabel.conftest import upload_item

pytestmark = pytest.mark.django_db

HEIGHT, WIDTH, FRAMES = 48, 64, 4


@pytest.fixture
def video(project, media_root):
    """Four frames (indexes 0, 2, 4, 6) of a square moving right."""
    for position in range(FRAMES):
        frame = np.full((HEIGHT, WIDTH, 3), 30, dtype=np.uint8)
        frame[12:32, 8 + 6 * position : 28 + 6 * position] = (220, 180, 40)
        upload_item(project, frame, f"f{position}.png", video="clip", frame_index=2 * position)
    return Video.objects.get(project=project, name="clip")


def propagate_url(project, video) -> str:
    return f"/api/projects/{project.pk}/videos/{video.pk}/propagate/"


def body(project, **extra):
    car = project.classes.get(name="car")
    prompts = [
        {"frame_index": 2, "object": 7, "box": [14, 12, 20, 20], "label_class": car.pk},
        {"frame_index": 2, "object": 9, "points": [[50, 40]], "labels": [1]},
    ]
    return {"prompts": prompts, "label_class": car.pk, **extra}


def test_video_needs_a_sam2_checkpoint(project, video, lead_client):
    response = lead_client.post(propagate_url(project, video), body(project), format="json")
    assert response.status_code == 409
    assert "needs a SAM 2 checkpoint" in response.json()["detail"]
    assert not Job.objects.exists()


def test_propagation_writes_masks_tracks_and_flags(
    project, video, lead_client, random_sam2, object_score_bias,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with (
        object_score_bias(random_sam2.models.video.model, 20.0),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = lead_client.post(propagate_url(project, video), body(project), format="json")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.errors
    assert job.kind == "prelabel.video" and job.backend == "sam2-video"
    assert job.progress_done == job.progress_total == FRAMES
    masks = Annotation.objects.filter(source="prelabel", item__video=video)
    assert job.result["tracks"] == [7, 9] and job.result["occluded"] == 0
    assert job.result["masks_created"] > 0
    assert masks.count() == job.result["masks_created"]
    seen = {(m.attributes["track_id"], m.attributes["frame_index"]) for m in masks}
    assert seen <= {(t, f) for t in (7, 9) for f in (0, 2, 4, 6)}
    for mask in masks:
        assert mask.item.frame_index == mask.attributes["frame_index"]
        assert mask.geometry_type == "mask" and "@random-" in mask.model_id
        assert 0.0 <= mask.attributes["uncertainty"] <= 1.0
        assert mask.attributes["uncertainty_components"]["object_score_entropy"] < 0.01
    flags = list(VideoReviewFlag.objects.filter(job=job))
    assert flags and all(row.flags for row in flags)
    starts = {row.track_id: row.frame_index for row in flags if "presence_start" in row.flags}
    ends = {row.track_id: row.frame_index for row in flags if "presence_end" in row.flags}
    assert starts == {7: 0, 9: 0} and ends == {7: 6, 9: 6}
    assert job.result["flag_counts"]["presence_start"] == 2
    listed = lead_client.get(f"/api/videos/{video.pk}/review-flags/").json()["results"]
    assert {(r["track_id"], r["frame_index"], tuple(r["flags"])) for r in listed} == {
        (row.track_id, row.frame_index, tuple(row.flags)) for row in flags
    }
    assert {(r["track_id"], r["frame_index"]) for r in job.result["review_flags"]} == {
        (row.track_id, row.frame_index) for row in flags
    }


def test_progress_is_visible_while_propagating_and_a_cancel_stops_it(
    project, video, lead_client, random_sam2, object_score_bias, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from apps.prelabel.services import video as video_service

    reports: list[tuple[int, int, int]] = []
    record_progress = video_service.job_progress

    def progress_then_cancel(job_id: int, *, done: int) -> bool:
        job = lead_client.get(f"/api/jobs/{job_id}/").json()  # what the user sees meanwhile
        reports.append((done, job["progress_done"], job["progress_total"]))
        still_running = record_progress(job_id, done=done)
        if done == 2:
            lead_client.delete(f"/api/jobs/{job_id}/")  # the user cancels after two frames
        return still_running

    monkeypatch.setattr(video_service, "job_progress", progress_then_cancel)
    with (
        object_score_bias(random_sam2.models.video.model, 20.0),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = lead_client.post(propagate_url(project, video), body(project), format="json")
    job = Job.objects.get(pk=response.json()["id"])
    # frames are counted as they are tracked; the report after the cancel stops the tracking
    assert reports == [(1, 0, FRAMES), (2, 1, FRAMES), (3, 2, FRAMES)]
    assert (job.status, job.progress_done) == ("cancelled", 2)
    assert not Annotation.objects.filter(source="prelabel").exists()
    assert not VideoReviewFlag.objects.exists()


def test_occluded_frames_get_no_mask(
    project, video, lead_client, random_sam2, object_score_bias,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    car = project.classes.get(name="car")
    one = {"prompts": [{"frame_index": 0, "object": 1, "box": [8, 12, 20, 20]}],
           "label_class": car.pk}  # fmt: skip
    with (
        object_score_bias(random_sam2.models.video.model, -20.0),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job_id = lead_client.post(propagate_url(project, video), one, format="json").json()["id"]
    job = Job.objects.get(pk=job_id)
    assert job.status == "succeeded" and job.result["occluded"] == FRAMES
    assert job.result["masks_created"] == 0
    assert not Annotation.objects.filter(source="prelabel").exists()


def test_bad_keyframes_are_400_naming_the_field(project, video, lead_client, random_sam2):
    url = propagate_url(project, video)
    cases = [
        ({"prompts": [{"frame_index": 1, "object": 1, "box": [1, 1, 5, 5]}]}, "frame_index"),
        ({"prompts": [{"frame_index": 0, "object": 1, "box": [60, 1, 10, 5]}]}, "box"),
        ({"prompts": [{"frame_index": 0, "object": 1, "box": [1, 1, 5, 5]}]}, "label_class"),
        ({"prompts": []}, "prompts"),
    ]
    car = project.classes.get(name="car")
    for payload, field in cases:
        if field != "label_class":
            payload["label_class"] = car.pk
        response = lead_client.post(url, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert any(field in key for key in response.json()), (payload, response.json())
    assert not Job.objects.exists()


def test_video_roles(project, video, make_member, client_for, random_sam2):
    for role in (Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE):
        client = client_for(make_member(project, role).user)
        assert client.post(propagate_url(project, video), {}, format="json").status_code == 403
    reviewer = client_for(make_member(project, Role.REVIEWER).user)
    assert reviewer.get(f"/api/videos/{video.pk}/review-flags/").status_code == 200
    annotator = client_for(make_member(project, Role.ANNOTATOR).user)
    assert annotator.get(f"/api/videos/{video.pk}/review-flags/").status_code == 403
