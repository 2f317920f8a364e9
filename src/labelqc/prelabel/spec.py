"""Which SAM 2 model to build, on which device, from which checkpoint.

The architecture always comes from the ``sam2`` package's own Hydra configs
(``configs/sam2.1/sam2.1_hiera_{t,s,b+,l}.yaml``); weights come from a checkpoint file at a
configured path. Random weights exist only for tests and benchmarks and need an explicit
``allow_random_weights=True``; their model id says ``@random`` so nothing downstream can take
their output for a pre-label.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

SIZES: dict[str, str] = {"t": "t", "s": "s", "b+": "b+", "l": "l"}
DEFAULT_IMAGE_SIZE = 1024
# The post-processing overrides that build_sam2(apply_postprocessing=True) adds, repeated here so
# that caller overrides come after them and win (upstream appends its own last, which would
# silently undo e.g. ++model.fill_hole_area=0).
IMAGE_POSTPROCESSING = (
    "++model.sam_mask_decoder_extra_args.dynamic_multimask_via_stability=true",
    "++model.sam_mask_decoder_extra_args.dynamic_multimask_stability_delta=0.05",
    "++model.sam_mask_decoder_extra_args.dynamic_multimask_stability_thresh=0.98",
)
VIDEO_POSTPROCESSING = (
    *IMAGE_POSTPROCESSING,
    "++model.binarize_mask_from_pts_for_mem_enc=true",
    # hole filling needs sam2's CUDA extension, which CPU installs lack (upstream then warns on
    # every frame and skips it); ++model.fill_hole_area=8 turns it back on where it is built
    "++model.fill_hole_area=0",
    # a re-prompted frame becomes a conditioning frame, so propagating from it corrects forward
    "++model.add_all_frames_to_correct_as_cond=true",
)


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable or does not match the config."""


class RandomWeightsNotAllowed(ValueError):
    """``ckpt_path=None`` without ``allow_random_weights=True``."""


@dataclass(frozen=True)
class Sam2ModelSpec:
    """What to build.

    size: "t", "s", "b+" or "l" (hiera tiny / small / base-plus / large, SAM 2.1 configs).
    ckpt_path: checkpoint file (the official ``{"model": state_dict}`` layout), or None.
    allow_random_weights: must be True for ``ckpt_path=None`` (tests and benchmarks only).
    device: "cuda", "cuda:1", "cpu", ...; None picks cuda when available, else cpu.
    hydra_overrides: extra Hydra overrides, e.g. ("++model.image_size=256",) to run small.
    cpu_bf16: run image inference on CPU under bfloat16 autocast (faster, less precise).
        Video inference on CPU always uses it (sam2 stores memories in bfloat16).
    """

    size: str = "t"
    ckpt_path: str | None = None
    allow_random_weights: bool = False
    device: str | None = None
    hydra_overrides: tuple[str, ...] = ()
    cpu_bf16: bool = False

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"size: expected one of {sorted(SIZES)}, got {self.size!r}")
        if self.ckpt_path is None and not self.allow_random_weights:
            raise RandomWeightsNotAllowed(
                f"ckpt_path: no checkpoint for {self.config_name}; random weights need "
                "allow_random_weights=True and are for tests only"
            )
        for override in self.hydra_overrides:
            if not override.startswith(("++", "+")) or "=" not in override:
                raise ValueError(f"hydra_overrides: expected '++key=value', got {override!r}")

    @property
    def config_name(self) -> str:
        """Hydra config name inside the sam2 package."""
        return f"configs/sam2.1/sam2.1_hiera_{self.size}.yaml"

    @property
    def model_name(self) -> str:
        """Short architecture name used at the front of the model id."""
        return f"sam2.1_hiera_{self.size}"


@dataclass(frozen=True)
class LoadedModel:
    """A built SAM 2 model plus what identifies it (weights digest, overrides, device)."""

    model: Any
    model_id: str
    device: torch.device
    spec: Sam2ModelSpec

    @property
    def image_size(self) -> int:
        """Side of the square the model resizes images to."""
        return int(self.model.image_size)

    @property
    def is_random(self) -> bool:
        """True when the weights are random (never a real pre-label)."""
        return self.spec.ckpt_path is None


def resolve_device(device: str | None) -> torch.device:
    """The requested device, or cuda when available else cpu; unknown names raise ValueError."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"device: {error}") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} requested but CUDA is not available")
    return resolved


def file_sha256(path: Path, chunk_bytes: int = 8 << 20) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def state_dict_sha256(model: torch.nn.Module) -> str:
    """sha256 over a model's parameter names and values (identifies random weights)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def read_checkpoint(ckpt_path: str, config_name: str) -> tuple[dict[str, Any], str]:
    """Read a ``{"model": state_dict}`` checkpoint; return the state dict and the file's sha256.

    Raises CheckpointError naming the path and the config for a missing or unreadable file or
    one without a ``"model"`` state dict. Read before the model is built, so these fail fast.
    """
    path = Path(ckpt_path)
    where = _where(ckpt_path, config_name)
    if not path.is_file():
        raise CheckpointError(f"{where}: file not found")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a corrupt file
        raise CheckpointError(
            f"{where}: cannot be read ({type(error).__name__}: {error})"
        ) from error
    if not isinstance(loaded, dict) or not isinstance(loaded.get("model"), dict):
        raise CheckpointError(f"{where}: expected a dict with a 'model' state dict")
    return loaded["model"], file_sha256(path)


def apply_checkpoint(
    model: torch.nn.Module, state_dict: dict[str, Any], ckpt_path: str, config_name: str
) -> None:
    """Load ``state_dict`` strictly; CheckpointError (path + config) on key or shape mismatch."""
    where = _where(ckpt_path, config_name)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{where}: does not match the config ({len(missing)} missing keys, e.g. "
            f"{missing[:3]}; {len(unexpected)} unexpected keys, e.g. {unexpected[:3]})"
        )
    mismatched = [
        f"{name}: {tuple(getattr(value, 'shape', ()))} vs {tuple(expected[name].shape)}"
        for name, value in state_dict.items()
        if not isinstance(value, torch.Tensor) or value.shape != expected[name].shape
    ]
    if mismatched:
        raise CheckpointError(
            f"{where}: {len(mismatched)} tensors have the wrong shape for this config, e.g. "
            f"{mismatched[:3]}"
        )
    model.load_state_dict(state_dict, strict=True)


def _where(ckpt_path: str, config_name: str) -> str:
    return f"checkpoint {str(ckpt_path)!r} for config {config_name!r}"


def _model_id(spec: Sam2ModelSpec, weights_tag: str) -> str:
    overrides = [o.lstrip("+").removeprefix("model.") for o in spec.hydra_overrides]
    suffix = f"|{','.join(sorted(overrides))}" if overrides else ""
    return f"{spec.model_name}@{weights_tag}{suffix}"


def build_model(spec: Sam2ModelSpec, kind: Literal["image", "video"] = "image") -> LoadedModel:
    """Build the SAM 2 architecture from the package config and load the spec's weights.

    kind "image" gives a ``SAM2Base`` for ``SAM2ImagePredictor``; "video" a
    ``SAM2VideoPredictor``. The model id is ``sam2.1_hiera_<size>@<sha256[:12] of the
    checkpoint file>`` (or ``@random-<sha256[:12] of the weights>``) followed by
    ``|<overrides>`` when Hydra overrides were given (they change the embeddings).
    """
    from sam2.build_sam import build_sam2, build_sam2_video_predictor

    device = resolve_device(spec.device)
    checkpoint = (
        None if spec.ckpt_path is None else read_checkpoint(spec.ckpt_path, spec.config_name)
    )
    builder = build_sam2 if kind == "image" else build_sam2_video_predictor
    defaults = IMAGE_POSTPROCESSING if kind == "image" else VIDEO_POSTPROCESSING
    try:
        model = builder(
            spec.config_name,
            ckpt_path=None,
            device="cpu",
            mode="eval",
            hydra_overrides_extra=[*defaults, *spec.hydra_overrides],
            apply_postprocessing=False,
        )
    except Exception as error:  # Hydra / instantiate errors: name the config
        raise ValueError(
            f"config {spec.config_name!r} with {list(spec.hydra_overrides)}: {error}"
        ) from error
    if checkpoint is not None:
        state_dict, digest = checkpoint
        apply_checkpoint(model, state_dict, str(spec.ckpt_path), spec.config_name)
        weights_tag = digest[:12]
    else:
        weights_tag = f"random-{state_dict_sha256(model)[:12]}"
    model = model.to(device).eval()
    return LoadedModel(model=model, model_id=_model_id(spec, weights_tag), device=device, spec=spec)


@contextlib.contextmanager
def inference_context(device: torch.device, bf16_on_cpu: bool) -> Iterator[None]:
    """torch.inference_mode plus bfloat16 autocast on CUDA (and on CPU when asked)."""
    with torch.inference_mode():
        if device.type == "cuda":
            with torch.autocast("cuda", dtype=torch.bfloat16):
                yield
        elif bf16_on_cpu:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                yield
        else:
            yield
