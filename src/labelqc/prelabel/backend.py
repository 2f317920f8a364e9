"""Pick the pre-labeling backend: SAM 2 when a checkpoint is configured, else GrabCut.

Every result names the backend and model id that produced it, so the job record and the UI can
say which one ran. Random SAM 2 weights are never chosen here (tests build them explicitly).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labelqc.prelabel.grabcut import GrabCutBackend
from labelqc.prelabel.types import PrelabelBackend

if TYPE_CHECKING:
    from labelqc.prelabel.cache import EmbeddingCache


class BackendUnavailable(RuntimeError):
    """A SAM 2 checkpoint is configured but torch / sam2 are not installed here."""


def select_backend(
    ckpt_path: str | None,
    *,
    size: str = "t",
    device: str | None = None,
    cache: EmbeddingCache | None = None,
    hydra_overrides: tuple[str, ...] = (),
) -> PrelabelBackend:
    """SAM 2 image backend for a configured checkpoint, GrabCut when ``ckpt_path`` is empty.

    A configured but broken checkpoint raises (CheckpointError naming path and config) rather
    than silently falling back, so a misconfiguration is seen.
    """
    if ckpt_path is None or not str(ckpt_path).strip():
        return GrabCutBackend()
    try:
        from labelqc.prelabel.sam2_image import Sam2ImageBackend
        from labelqc.prelabel.spec import Sam2ModelSpec
    except ImportError as error:
        raise BackendUnavailable(
            f"checkpoint {ckpt_path!r} is configured but SAM 2 cannot be imported ({error}); "
            "install the 'ml' extra (torch, torchvision, sam2)"
        ) from error
    spec = Sam2ModelSpec(
        size=size, ckpt_path=str(ckpt_path), device=device, hydra_overrides=hydra_overrides
    )
    return Sam2ImageBackend(spec, cache=cache)
