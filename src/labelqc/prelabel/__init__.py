"""Pre-labeling: SAM 2 (image + video) with an embedding cache, and a GrabCut fallback.

The torch-free parts (types, cache, uncertainty, GrabCut, backend choice) import eagerly; the
SAM 2 parts (``Sam2ImageBackend``, ``Sam2VideoBackend``, ``Sam2ModelSpec`` ...) import torch
and sam2 on first access, so a web process without the ``ml`` extra can still import this.
"""

from __future__ import annotations

import importlib
from typing import Any

from labelqc.prelabel.backend import BackendUnavailable, select_backend
from labelqc.prelabel.cache import CachedEmbedding, EmbeddingCache, image_sha256
from labelqc.prelabel.grabcut import GrabCutBackend
from labelqc.prelabel.types import (
    PrelabelBackend,
    PrelabelError,
    PrelabelResult,
    Prompt,
    PromptError,
    Uncertainty,
    prompts_from_annotations,
    results_to_frame,
)
from labelqc.prelabel.uncertainty import ItemUncertainty, aggregate_item, combine
from labelqc.prelabel.video_review import ReviewSettings
from labelqc.prelabel.video_types import VideoFrameResult, VideoPrompt, video_results_to_frame

_LAZY = {
    "AutoMaskOptions": "labelqc.prelabel.sam2_image",
    "Sam2ImageBackend": "labelqc.prelabel.sam2_image",
    "CheckpointError": "labelqc.prelabel.spec",
    "LoadedModel": "labelqc.prelabel.spec",
    "RandomWeightsNotAllowed": "labelqc.prelabel.spec",
    "Sam2ModelSpec": "labelqc.prelabel.spec",
    "build_model": "labelqc.prelabel.spec",
    "Sam2VideoBackend": "labelqc.prelabel.video",
    "Sam2VideoSession": "labelqc.prelabel.video",
    "propagate_video": "labelqc.prelabel.video",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'labelqc.prelabel' has no attribute {name!r}")


__all__ = [
    "AutoMaskOptions",
    "BackendUnavailable",
    "CachedEmbedding",
    "CheckpointError",
    "EmbeddingCache",
    "GrabCutBackend",
    "ItemUncertainty",
    "LoadedModel",
    "PrelabelBackend",
    "PrelabelError",
    "PrelabelResult",
    "Prompt",
    "PromptError",
    "RandomWeightsNotAllowed",
    "ReviewSettings",
    "Sam2ImageBackend",
    "Sam2ModelSpec",
    "Sam2VideoBackend",
    "Sam2VideoSession",
    "Uncertainty",
    "VideoFrameResult",
    "VideoPrompt",
    "aggregate_item",
    "build_model",
    "combine",
    "image_sha256",
    "prompts_from_annotations",
    "propagate_video",
    "results_to_frame",
    "select_backend",
    "video_results_to_frame",
]
