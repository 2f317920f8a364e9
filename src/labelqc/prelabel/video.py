"""SAM 2 video pre-labeling: keyframe prompts propagated across frames, with review flags.

A ``Sam2VideoSession`` wraps one ``SAM2VideoPredictor`` inference state. Frames come as a
directory of ``<index>.jpg`` files (what the predictor reads) or as a list of RGB arrays, which
are written to such a directory first (JPEG quality 95). Prompts go in with ``add_prompt``;
``propagate`` tracks them. Re-prompting an already tracked frame makes it a conditioning frame
(``add_all_frames_to_correct_as_cond``), and ``propagate(start_frame_index=k,
direction="forward")`` recomputes frame k onwards while earlier frames keep their masks.

Per frame and object the object-score logit decides presence: logit <= 0 means occluded and no
mask is written. The predictor does not keep predicted IoUs, so a forward hook on
``sam_mask_decoder`` captures every decoder answer (IoUs, object score, low-res candidate
logits) in call order; the predictor calls the decoder once per object on each non-conditioning
frame, in object order, which is how answers are matched to (frame, object).

On CPU everything runs under bfloat16 autocast: sam2 stores memory features in bfloat16 and
later frames fail in float32 ("mat1 and mat2 must have the same dtype").
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image

from labelqc.prelabel.masks import encode_masks
from labelqc.prelabel.spec import LoadedModel, Sam2ModelSpec, build_model, inference_context
from labelqc.prelabel.types import (
    PrelabelError,
    Uncertainty,
    as_rgb_uint8,
    check_prompts_in_image,
)
from labelqc.prelabel.uncertainty import (
    combine,
    multimask_disagreement,
    object_score_entropy,
    stability_scores,
)
from labelqc.prelabel.video_review import ReviewSettings, review_flags
from labelqc.prelabel.video_types import VideoFrameResult, VideoPrompt


@dataclass(frozen=True)
class _DecoderAnswer:
    ious: np.ndarray  # (K,) predicted IoU per candidate
    candidate_logits: np.ndarray  # (K, h, w) low-resolution candidate logits


@dataclass(frozen=True)
class _FrameRecord:
    rle: dict[str, Any] | None
    bbox_xywh: tuple[float, float, float, float] | None
    area: float
    object_score_logit: float
    answer: _DecoderAnswer | None


class Sam2VideoBackend:
    """Builds the SAM 2 video predictor once; ``open`` starts a session on one video."""

    name = "sam2-video"

    def __init__(
        self,
        spec: Sam2ModelSpec | None = None,
        *,
        loaded: LoadedModel | None = None,
        review: ReviewSettings | None = None,
    ) -> None:
        if (spec is None) == (loaded is None):
            raise ValueError("spec / loaded: give exactly one")
        self.loaded = loaded if loaded is not None else build_model(spec, "video")  # type: ignore[arg-type]
        self.review = review or ReviewSettings()

    @property
    def model_id(self) -> str:
        """Model id of the loaded weights."""
        return self.loaded.model_id

    def open(self, frames: Sequence[np.ndarray] | str | Path) -> Sam2VideoSession:
        """Start a session on a frames directory or a list of RGB frames."""
        return Sam2VideoSession(self, frames)


class Sam2VideoSession:
    """Prompts, propagation and results for one video (see the module docstring)."""

    def __init__(self, backend: Sam2VideoBackend, frames: Sequence[np.ndarray] | str | Path):
        self.backend = backend
        self._predictor = backend.loaded.model
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
        if isinstance(frames, str | Path):
            frames_dir = Path(frames)
            if not frames_dir.is_dir():
                raise PrelabelError(f"frames: {str(frames_dir)!r} is not a directory")
        else:
            frames_dir = self._write_frames(frames)
        self._answers: list[_DecoderAnswer] = []
        self._records: dict[tuple[int, int], _FrameRecord] = {}
        self._prompt_answers: dict[tuple[int, int], _DecoderAnswer] = {}
        self._class_ids: dict[int, int | None] = {}
        with self._context():
            self._state = self._predictor.init_state(str(frames_dir))
        self.num_frames = int(self._state["num_frames"])
        self.height = int(self._state["video_height"])
        self.width = int(self._state["video_width"])

    def _write_frames(self, frames: Sequence[np.ndarray]) -> Path:
        if len(frames) == 0:
            raise PrelabelError("frames: empty video")
        rgbs = [as_rgb_uint8(frame, f"frames[{i}]") for i, frame in enumerate(frames)]
        shape = rgbs[0].shape
        for index, rgb in enumerate(rgbs):
            if rgb.shape != shape:
                raise PrelabelError(f"frames[{index}]: shape {rgb.shape} differs from {shape}")
        self._temp_dir = tempfile.TemporaryDirectory(prefix="labelqc-frames-")
        directory = Path(self._temp_dir.name)
        for index, rgb in enumerate(rgbs):
            Image.fromarray(rgb).save(directory / f"{index:05d}.jpg", quality=95)
        return directory

    def _context(self) -> Any:
        return inference_context(self.backend.loaded.device, bf16_on_cpu=True)

    @contextmanager
    def _capturing(self) -> Iterator[None]:
        def hook(module: torch.nn.Module, inputs: Any, output: Any) -> None:
            candidate_logits, ious = output[0], output[1]
            if candidate_logits.shape[0] != 1:
                raise RuntimeError("expected one object per decoder call in video tracking")
            self._answers.append(
                _DecoderAnswer(
                    ious=ious[0].float().cpu().numpy(),
                    candidate_logits=candidate_logits[0].float().cpu().numpy(),
                )
            )

        handle = self._predictor.sam_mask_decoder.register_forward_hook(hook)
        self._answers.clear()
        try:
            with self._context():
                yield
        finally:
            handle.remove()

    def add_prompt(self, video_prompt: VideoPrompt) -> None:
        """Add a box and/or clicks for one object on one frame (a re-prompt if tracked)."""
        frame, prompt = video_prompt.frame_index, video_prompt.prompt
        if not 0 <= frame < self.num_frames:
            raise PrelabelError(f"frame_index: {frame} outside 0..{self.num_frames - 1}")
        check_prompts_in_image([prompt], self.height, self.width)
        points = np.asarray(prompt.points_xy, dtype=np.float32).reshape(-1, 2)
        labels = np.asarray(prompt.point_labels, dtype=np.int32)
        box = prompt.box_xyxy
        with self._capturing():
            self._predictor.add_new_points_or_box(
                self._state,
                frame_idx=frame,
                obj_id=video_prompt.obj_id,
                points=points if len(points) else None,
                labels=labels if len(points) else None,
                clear_old_points=video_prompt.replace or box is not None,
                box=None if box is None else np.asarray(box, dtype=np.float32),
            )
            if len(self._answers) != 1:
                raise RuntimeError(
                    f"expected 1 decoder call for a prompt, saw {len(self._answers)}"
                )
            self._prompt_answers[(video_prompt.obj_id, frame)] = self._answers[-1]
        if prompt.class_id is not None or video_prompt.obj_id not in self._class_ids:
            self._class_ids[video_prompt.obj_id] = prompt.class_id

    def propagate(
        self,
        start_frame_index: int | None = None,
        direction: Literal["forward", "backward", "both"] = "both",
        on_frame: Callable[[int], None] | None = None,
    ) -> None:
        """Track every prompted object from ``start_frame_index`` (default: earliest prompt).

        "both" runs forward then backward from the start frame; a correction after a
        re-prompt on frame k is ``propagate(k, "forward")``. ``on_frame(done)`` is called each
        time one more distinct frame is tracked (done = frames so far in this call); an
        exception it raises stops the propagation (e.g. the job was cancelled).
        """
        if direction not in ("forward", "backward", "both"):
            raise PrelabelError(f"direction: expected forward/backward/both, got {direction!r}")
        if not self._state["obj_ids"]:
            raise PrelabelError("propagate: add a prompt first")
        passes = {"forward": [False], "backward": [True], "both": [False, True]}[direction]
        done: set[int] = set()
        for reverse in passes:
            with self._capturing():
                tracked = self._predictor.propagate_in_video(
                    self._state, start_frame_idx=start_frame_index, reverse=reverse
                )
                for frame_index, obj_ids, video_res_masks in tracked:
                    self._record_frame(frame_index, list(obj_ids), video_res_masks)
                    if on_frame is not None and frame_index not in done:
                        done.add(frame_index)
                        on_frame(len(done))
                if self._answers:
                    raise RuntimeError(f"{len(self._answers)} decoder answers were not matched")

    def _record_frame(self, frame: int, obj_ids: list[int], video_res_masks: torch.Tensor) -> None:
        masks = (video_res_masks[:, 0] > 0).cpu().numpy()
        encoded = encode_masks(masks)
        outputs = self._state["output_dict_per_obj"]
        for obj_idx, obj_id in enumerate(obj_ids):
            per_obj = outputs[obj_idx]
            if frame in per_obj["cond_frame_outputs"]:
                stored = per_obj["cond_frame_outputs"][frame]
                answer = self._prompt_answers.get((obj_id, frame))
            else:
                stored = per_obj["non_cond_frame_outputs"][frame]
                answer = self._answers.pop(0)  # one decoder call per tracked object, in order
            logit = float(stored["object_score_logits"].float().reshape(-1)[0])
            present = logit > 0
            self._records[(obj_id, frame)] = _FrameRecord(
                rle=encoded.rles[obj_idx] if present else None,
                bbox_xywh=tuple(float(v) for v in encoded.boxes_xywh[obj_idx]) if present else None,  # type: ignore[arg-type]
                area=float(encoded.areas[obj_idx]) if present else 0.0,
                object_score_logit=logit,
                answer=answer,
            )

    def results(self) -> list[VideoFrameResult]:
        """Every tracked (object, frame), sorted by object then frame, with review flags."""
        settings = self.backend.review
        output: list[VideoFrameResult] = []
        for obj_id in sorted({obj for obj, _ in self._records}):
            frames = sorted(frame for obj, frame in self._records if obj == obj_id)
            records = [self._records[(obj_id, frame)] for frame in frames]
            ious = np.array(
                [np.nan if r.answer is None else float(r.answer.ious.max()) for r in records]
            )
            logits = np.array([r.object_score_logit for r in records])
            flags = review_flags(
                np.array(frames),
                logits > 0,
                np.array([r.area for r in records]),
                ious,
                settings,
            )
            entropy = object_score_entropy(logits)
            for position, (frame, record) in enumerate(zip(frames, records, strict=True)):
                output.append(
                    VideoFrameResult(
                        frame_index=frame,
                        obj_id=obj_id,
                        class_id=self._class_ids.get(obj_id),
                        rle=record.rle,
                        bbox_xywh=record.bbox_xywh,
                        area=record.area,
                        occluded=record.object_score_logit <= 0,
                        object_score_logit=record.object_score_logit,
                        predicted_iou=None if np.isnan(ious[position]) else float(ious[position]),
                        uncertainty=_frame_uncertainty(
                            record.answer, float(entropy[position]), settings.stability_offset
                        ),
                        flags=flags[position],
                        backend=self.backend.name,
                        model_id=self.backend.model_id,
                    )
                )
        return output

    def close(self) -> None:
        """Release the inference state and any frames written for this session."""
        self._state = None
        if self._temp_dir is not None:
            self._temp_dir.cleanup()
            self._temp_dir = None

    def __enter__(self) -> Sam2VideoSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _frame_uncertainty(
    answer: _DecoderAnswer | None, entropy: float, stability_offset: float
) -> Uncertainty:
    if answer is None:
        return combine(entropy=entropy)
    best = int(answer.ious.argmax())
    stability = float(stability_scores(answer.candidate_logits[best], stability_offset))
    disagreement = (
        float(multimask_disagreement(answer.candidate_logits))
        if answer.candidate_logits.shape[0] >= 2
        else None
    )
    return combine(
        predicted_iou=float(answer.ious[best]),
        stability=stability,
        disagreement=disagreement,
        entropy=entropy,
    )


def propagate_video(
    backend: Sam2VideoBackend,
    frames: Sequence[np.ndarray] | str | Path,
    prompts: Sequence[VideoPrompt],
    on_progress: Callable[[int, int], None] | None = None,
) -> list[VideoFrameResult]:
    """One-shot: open a session, add ``prompts``, propagate both ways, return the results.

    ``on_progress(done, total)`` is called after each tracked frame (see ``propagate``).
    """
    if not prompts:
        raise PrelabelError("prompts: video propagation needs at least one keyframe prompt")
    with backend.open(frames) as session:
        for video_prompt in prompts:
            session.add_prompt(video_prompt)
        total = session.num_frames
        session.propagate(
            on_frame=None if on_progress is None else lambda done: on_progress(done, total)
        )
        return session.results()
