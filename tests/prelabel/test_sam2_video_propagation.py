"""SAM 2 video propagation (random-weight hiera-tiny at 256 px on CPU, bfloat16 autocast).

With random weights the object score can be negative on every frame, so the tests set the last
layer bias of ``pred_obj_score_head`` to force presence (+20) or absence (-20), restoring it
afterwards. Nothing here judges mask quality.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from labelqc.prelabel import PrelabelError, Prompt, video_results_to_frame
from labelqc.prelabel.masks import decode_rle

pytestmark = pytest.mark.sam2

HEIGHT, WIDTH, FRAMES = 48, 64, 4


def _frames() -> list[np.ndarray]:
    frames = []
    for index in range(FRAMES):
        frame = np.full((HEIGHT, WIDTH, 3), 30, dtype=np.uint8)
        frame[12:32, 8 + 6 * index : 28 + 6 * index] = (220, 180, 40)  # a square moving right
        frames.append(frame)
    return frames


@contextmanager
def object_score_bias(model: Any, bias: float) -> Iterator[None]:
    import torch

    layer = model.sam_mask_decoder.pred_obj_score_head.layers[-1]
    saved = layer.bias.detach().clone()
    with torch.no_grad():
        layer.bias.fill_(bias)
    try:
        yield
    finally:
        with torch.no_grad():
            layer.bias.copy_(saved)


@pytest.fixture(scope="module")
def backend(tiny_video_model: Any) -> Any:
    from labelqc.prelabel import ReviewSettings, Sam2VideoBackend

    return Sam2VideoBackend(loaded=tiny_video_model, review=ReviewSettings(low_iou_threshold=0.5))


def test_keyframe_box_propagates_both_ways(backend: Any, tmp_path: Path) -> None:
    from labelqc.prelabel import VideoPrompt, propagate_video

    for index, frame in enumerate(_frames()):  # the directory layout SAM2VideoPredictor reads
        Image.fromarray(frame).save(tmp_path / f"{index:05d}.jpg", quality=95)
    prompts = [
        VideoPrompt(1, obj_id=7, prompt=Prompt(box_xywh=(14, 12, 20, 20), class_id=3)),
        VideoPrompt(1, obj_id=9, prompt=Prompt(points_xy=((50, 40),), point_labels=(1,))),
    ]
    progress: list[tuple[int, int]] = []
    with object_score_bias(backend.loaded.model, 20.0):
        results = propagate_video(
            backend, tmp_path, prompts, on_progress=lambda *report: progress.append(report)
        )
    # forward over frames 1-3, then backward over 1 (already counted) and 0
    assert progress == [(1, FRAMES), (2, FRAMES), (3, FRAMES), (4, FRAMES)]
    assert [(r.obj_id, r.frame_index) for r in results] == [
        (obj, frame) for obj in (7, 9) for frame in range(FRAMES)
    ]
    for result in results:
        assert not result.occluded and result.object_score_logit > 0
        mask = decode_rle(result.rle)  # type: ignore[arg-type]
        assert mask.shape == (HEIGHT, WIDTH) and result.area == float(mask.sum())
        assert 0.0 <= result.predicted_iou <= 1.0  # type: ignore[operator]
        components = [
            result.uncertainty.iou_uncertainty,
            result.uncertainty.instability,
            result.uncertainty.object_score_entropy,
            result.uncertainty.combined,
        ]
        assert all(c is not None and 0.0 <= c <= 1.0 for c in components)
        assert result.uncertainty.object_score_entropy < 0.01  # logit about +20: sure it is there
        assert result.model_id == backend.model_id and result.backend == "sam2-video"
        assert ("low_iou" in result.flags) == (result.predicted_iou < 0.5)  # type: ignore[operator]
    assert {r.class_id for r in results if r.obj_id == 7} == {3}
    frame = video_results_to_frame(results)
    assert len(frame) == 2 * FRAMES and frame["class_id"].tolist() == [3] * FRAMES + [-1] * FRAMES
    assert frame["rle"].tolist() == [r.rle for r in results]
    assert frame["score"].tolist() == [r.score for r in results]
    track = [r for r in results if r.obj_id == 7]
    assert "presence_start" in track[0].flags and "presence_end" in track[-1].flags
    assert not {"presence_start", "presence_end"} & set(track[1].flags + track[2].flags)


def test_negative_object_score_means_occluded(backend: Any) -> None:
    from labelqc.prelabel import VideoPrompt, propagate_video

    prompts = [VideoPrompt(0, obj_id=1, prompt=Prompt(box_xywh=(8, 12, 20, 20)))]
    with object_score_bias(backend.loaded.model, -20.0):
        results = propagate_video(backend, _frames(), prompts)
    assert len(results) == FRAMES
    for result in results:
        assert result.occluded and result.rle is None and result.bbox_xywh is None
        assert result.area == 0.0 and result.object_score_logit < 0
        assert result.uncertainty.object_score_entropy < 0.01  # sure it is absent
        assert not {"presence_start", "presence_end", "area_jump"} & set(result.flags)
    frame = video_results_to_frame(results)
    assert frame["x"].tolist() == [None] * FRAMES and frame["occluded"].all()


def test_reprompting_a_later_frame_corrects_forward(backend: Any) -> None:
    from labelqc.prelabel import VideoPrompt

    calls: list[int] = []
    model = backend.loaded.model
    with object_score_bias(model, 20.0), backend.open(_frames()) as session:
        session.add_prompt(VideoPrompt(0, obj_id=1, prompt=Prompt(box_xywh=(8, 12, 20, 20))))
        session.propagate()
        before = {r.frame_index: r for r in session.results()}
        handle = model.sam_mask_decoder.register_forward_hook(lambda *args: calls.append(1))
        done: list[int] = []
        try:
            session.add_prompt(VideoPrompt(2, obj_id=1, prompt=Prompt(box_xywh=(30, 0, 34, 48))))
            session.propagate(start_frame_index=2, direction="forward", on_frame=done.append)
        finally:
            handle.remove()
        after = {r.frame_index: r for r in session.results()}
    # one decoder call for the new prompt, then one per frame after it; none before it
    assert len(calls) == 1 + (FRAMES - 1 - 2)
    assert done == [1, 2]  # frames 2 and 3
    for frame in (0, 1):
        assert after[frame].rle == before[frame].rle
        assert after[frame].predicted_iou == before[frame].predicted_iou
    assert any(
        after[frame].rle != before[frame].rle
        or after[frame].predicted_iou != before[frame].predicted_iou
        for frame in (2, 3)
    )


def test_an_exception_from_the_progress_callback_stops_the_propagation(backend: Any) -> None:
    from labelqc.prelabel import VideoPrompt, propagate_video

    class Stop(Exception):
        pass

    frames_seen: list[int] = []

    def cancel_after_two(done: int, total: int) -> None:
        frames_seen.append(done)
        if done == 2:
            raise Stop

    calls: list[int] = []
    model = backend.loaded.model
    prompts = [VideoPrompt(0, obj_id=1, prompt=Prompt(box_xywh=(8, 12, 20, 20)))]
    handle = model.sam_mask_decoder.register_forward_hook(lambda *args: calls.append(1))
    try:
        with pytest.raises(Stop):
            propagate_video(backend, _frames(), prompts, on_progress=cancel_after_two)
    finally:
        handle.remove()
    assert frames_seen == [1, 2]
    assert len(calls) == 2  # the prompt on frame 0 and the tracking of frame 1; no more
    # the session is closed and the hook is gone: a new propagation runs normally
    assert len(propagate_video(backend, _frames(), prompts)) == FRAMES


def test_bad_video_input_is_rejected(backend: Any) -> None:
    from labelqc.prelabel import VideoPrompt

    with pytest.raises(PrelabelError, match="not a directory"):
        backend.open("/no/such/frames")
    with pytest.raises(PrelabelError, match=r"frames\[1\]"):
        backend.open([_frames()[0], _frames()[0][:10]])
    with backend.open(_frames()[:2]) as session:
        with pytest.raises(PrelabelError, match="frame_index"):
            session.add_prompt(VideoPrompt(5, obj_id=1, prompt=Prompt(box_xywh=(0, 0, 5, 5))))
        with pytest.raises(PrelabelError, match="add a prompt first"):
            session.propagate()
