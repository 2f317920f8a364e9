"""One pre-labeling backend per worker process and kind, built on first use, used under a lock.

Which backend: SAM 2 when LABELQC_SAM2_CHECKPOINT is set (image and video), else GrabCut (image
only). A configured but unusable checkpoint (missing, corrupt, not matching the config) is a
`BackendConfigError` naming the checkpoint path and the config, never a silent fallback.

The model is built once per process (SAM 2 costs seconds to build) and kept with a lock, as the
SAM 2 predictor holds one image's features and is not thread-safe. On CPU torch is pinned to
`sam2.cpu_threads` threads (1 by default) when the model is built: scale with processes.

Random-weight SAM 2 output is never a pre-label: `using` refuses a backend with random weights
unless the test-only setting LABELQC_PRELABEL_ALLOW_RANDOM_WEIGHTS is true. Tests inject a
random-weight backend by replacing `build_backend` (e.g. with monkeypatch) and calling `reset()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from apps.prelabel.conf import PrelabelConfig, allow_random_weights, prelabel_config

Kind = Literal["image", "video"]

_build_lock = threading.Lock()
_built: dict[Kind, tuple[PrelabelConfig, Any, threading.Lock]] = {}


class BackendConfigError(Exception):
    """The configured backend cannot be used; the message names checkpoint path and config."""

    field = "LABELQC_SAM2_CHECKPOINT"


class VideoUnavailable(Exception):
    """Video propagation was asked for without a SAM 2 checkpoint."""

    message = (
        "video propagation needs a SAM 2 checkpoint: set LABELQC_SAM2_CHECKPOINT (and "
        "LABELQC_SAM2_MODEL to its size); the GrabCut fallback has no video mode"
    )


def build_backend(kind: Kind, config: PrelabelConfig) -> Any:
    """Build the backend the configuration asks for (tests replace this function)."""
    from labelqc.prelabel import BackendUnavailable, GrabCutBackend

    if not config.checkpoint:
        if kind == "video":
            raise VideoUnavailable(VideoUnavailable.message)
        return GrabCutBackend(
            iterations=int(config.file.grabcut["iterations"]),
            context_margin=float(config.file.grabcut["context_margin"]),
        )
    try:
        from labelqc.prelabel import (
            AutoMaskOptions,
            ReviewSettings,
            Sam2ImageBackend,
            Sam2ModelSpec,
            Sam2VideoBackend,
        )
    except ImportError as error:
        raise BackendUnavailable(
            f"checkpoint {config.checkpoint!r} is configured but SAM 2 cannot be imported "
            f"({error}); install the 'ml' extra (torch, torchvision, sam2)"
        ) from error
    spec = Sam2ModelSpec(
        size=config.size,
        ckpt_path=config.checkpoint,
        device=config.device,
        hydra_overrides=config.file.hydra_overrides,
        cpu_bf16=config.file.cpu_bf16,
    )
    if kind == "video":
        return Sam2VideoBackend(
            spec,
            review=ReviewSettings(
                **config.file.video_review, stability_offset=config.file.stability_offset
            ),
        )
    return Sam2ImageBackend(
        spec,
        cache=embedding_cache(config),
        auto_masks=AutoMaskOptions(**config.file.automatic_masks),  # type: ignore[arg-type]
        stability_offset=config.file.stability_offset,
        batch_size=config.file.batch_size,
    )


def embedding_cache(config: PrelabelConfig) -> Any:
    """The on-disk embedding cache the settings name (shared by every worker on that disk)."""
    from labelqc.prelabel import EmbeddingCache

    return EmbeddingCache(config.cache_dir, config.cache_bytes)


def configured_backend_name() -> str:
    """ "sam2" when a checkpoint is configured, else "grabcut" (nothing is built)."""
    return prelabel_config().backend_name


def _describe(error: Exception, config: PrelabelConfig) -> str:
    text = str(error)
    if config.checkpoint and config.checkpoint not in text:
        text = f"checkpoint {config.checkpoint!r} for config {config.config_name!r}: {text}"
    return text


def _pin_cpu_threads(backend: Any, config: PrelabelConfig) -> None:
    loaded = getattr(backend, "loaded", None)
    device = getattr(loaded, "device", None)
    if device is not None and getattr(device, "type", "") == "cpu":
        import torch

        torch.set_num_threads(config.file.cpu_threads)


def _entry(kind: Kind) -> tuple[Any, threading.Lock]:
    config = prelabel_config()
    with _build_lock:
        held = _built.get(kind)
        if held is not None and held[0] == config:
            return held[1], held[2]
        try:
            backend = build_backend(kind, config)
        except VideoUnavailable:
            raise
        except (ImportError, RuntimeError, ValueError, OSError) as error:
            # CheckpointError / RandomWeightsNotAllowed are ValueErrors, BackendUnavailable a
            # RuntimeError; Hydra config errors surface as ValueError from build_model.
            raise BackendConfigError(_describe(error, config)) from error
        _pin_cpu_threads(backend, config)
        _built[kind] = (config, backend, threading.Lock())
        return backend, _built[kind][2]


def is_random(backend: Any) -> bool:
    return bool(getattr(getattr(backend, "loaded", None), "is_random", False))


@contextmanager
def using(kind: Kind) -> Iterator[Any]:
    """The process-wide backend of `kind`, held exclusively for the `with` block."""
    backend, lock = _entry(kind)
    if is_random(backend) and not allow_random_weights():
        raise BackendConfigError(
            f"SAM 2 model {backend.model_id} has random weights; its output is not a pre-label "
            "(configure LABELQC_SAM2_CHECKPOINT)"
        )
    with lock:
        yield backend


def reset() -> None:
    """Forget the process-wide backends (tests; or after changing the configuration)."""
    with _build_lock:
        _built.clear()
