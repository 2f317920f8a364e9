"""Pre-labeling settings: the environment (checkpoint, size, device, cache) plus configs/sam2.yaml.

The YAML file is validated at load: a missing or out-of-range value is an ImproperlyConfigured
error naming its key, never a silent fallback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SAM2 = "sam2"
GRABCUT = "grabcut"
IMAGE_JOB_KIND = "prelabel.images"
VIDEO_JOB_KIND = "prelabel.video"
JOB_KINDS = (IMAGE_JOB_KIND, VIDEO_JOB_KIND)


@dataclass(frozen=True)
class Sam2File:
    """What configs/sam2.yaml says (see the comments in that file)."""

    hydra_overrides: tuple[str, ...]
    cpu_bf16: bool
    cpu_threads: int
    batch_size: int | None
    stability_offset: float
    automatic_masks: dict[str, float]
    video_review: dict[str, float]
    grabcut: dict[str, float]
    max_points: int


@dataclass(frozen=True)
class PrelabelConfig:
    """Everything needed to build a backend; equal configs share one process-wide backend."""

    checkpoint: str
    size: str
    device: str | None
    cache_dir: str
    cache_bytes: int
    file: Sam2File

    @property
    def backend_name(self) -> str:
        return SAM2 if self.checkpoint else GRABCUT

    @property
    def config_name(self) -> str:
        return f"configs/sam2.1/sam2.1_hiera_{self.size}.yaml"


def config_path() -> Path:
    configured = getattr(settings, "LABELQC_SAM2_CONFIG", None)
    return Path(configured) if configured else settings.BASE_DIR / "configs" / "sam2.yaml"


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    section = data.get(key)
    if not isinstance(section, dict):
        raise ImproperlyConfigured(f"{key}: must be a mapping in the SAM 2 config file")
    return section


def _number(section: dict[str, Any], key: str, where: str, low: float, high: float | None) -> float:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ImproperlyConfigured(f"{where}.{key}: must be a finite number, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ImproperlyConfigured(f"{where}.{key}: must be in [{low}, {high or 'inf'}]")
    return float(value)


def _integer(section: dict[str, Any], key: str, where: str, low: int) -> int:
    value = _number(section, key, where, low, None)
    if value != int(value):
        raise ImproperlyConfigured(f"{where}.{key}: must be an integer, got {value!r}")
    return int(value)


@lru_cache(maxsize=4)
def load_sam2_file(path: Path) -> Sam2File:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ImproperlyConfigured(f"cannot read the SAM 2 config {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{path}: must hold a mapping")
    sam2, auto = _section(data, "sam2"), _section(data, "automatic_masks")
    review, grabcut = _section(data, "video_review"), _section(data, "grabcut")
    overrides = sam2.get("hydra_overrides") or []
    if not isinstance(overrides, list) or not all(
        isinstance(o, str) and o.startswith("+") and "=" in o for o in overrides
    ):
        raise ImproperlyConfigured("sam2.hydra_overrides: must be a list of '++key=value' strings")
    if not isinstance(sam2.get("cpu_bf16"), bool):
        raise ImproperlyConfigured("sam2.cpu_bf16: must be true or false")
    batch_size = sam2.get("batch_size")
    return Sam2File(
        hydra_overrides=tuple(overrides),
        cpu_bf16=sam2["cpu_bf16"],
        cpu_threads=_integer(sam2, "cpu_threads", "sam2", 1),
        batch_size=None if batch_size is None else _integer(sam2, "batch_size", "sam2", 1),
        stability_offset=_number(sam2, "stability_offset", "sam2", 0.0, None),
        automatic_masks={
            "points_per_side": _integer(auto, "points_per_side", "automatic_masks", 1),
            "points_per_batch": _integer(auto, "points_per_batch", "automatic_masks", 1),
            "pred_iou_thresh": _number(auto, "pred_iou_thresh", "automatic_masks", 0, 1),
            "stability_score_thresh": _number(
                auto, "stability_score_thresh", "automatic_masks", 0, 1
            ),
            "box_nms_thresh": _number(auto, "box_nms_thresh", "automatic_masks", 0, 1),
            "min_mask_region_area": _integer(auto, "min_mask_region_area", "automatic_masks", 0),
        },
        video_review={
            "area_jump_share": _number(review, "area_jump_share", "video_review", 1e-9, None),
            "low_iou_threshold": _number(review, "low_iou_threshold", "video_review", 0, 1),
        },
        grabcut={
            "iterations": _integer(grabcut, "iterations", "grabcut", 1),
            "context_margin": _number(grabcut, "context_margin", "grabcut", 0, None),
        },
        max_points=_integer(_section(data, "interactive"), "max_points", "interactive", 1),
    )


def prelabel_config() -> PrelabelConfig:
    """The current configuration (settings are read on every call, so tests may change them)."""
    device = (settings.LABELQC_DEVICE or "auto").strip()
    return PrelabelConfig(
        checkpoint=(settings.LABELQC_SAM2_CHECKPOINT or "").strip(),
        size=(settings.LABELQC_SAM2_MODEL or "t").strip(),
        device=None if device == "auto" else device,
        cache_dir=str(settings.LABELQC_EMBEDDING_CACHE_DIR),
        cache_bytes=int(settings.LABELQC_EMBEDDING_CACHE_BYTES),
        file=load_sam2_file(config_path()),
    )


def allow_random_weights() -> bool:
    """Only tests set LABELQC_PRELABEL_ALLOW_RANDOM_WEIGHTS: random SAM 2 output is no pre-label."""
    return bool(getattr(settings, "LABELQC_PRELABEL_ALLOW_RANDOM_WEIGHTS", False))
