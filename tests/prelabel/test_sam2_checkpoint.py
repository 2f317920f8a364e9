"""Checkpoint loading: a missing, corrupt or mismatched checkpoint names its path and config."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.sam2

CONFIG = "configs/sam2.1/sam2.1_hiera_t.yaml"


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            lambda path, torch, model: path.write_bytes(b"definitely not a checkpoint"),
            "cannot be read",
        ),
        (lambda path, torch, model: torch.save({"state": {}}, path), "'model' state dict"),
        (
            lambda path, torch, model: torch.save({"model": {"no.such.key": torch.zeros(1)}}, path),
            "missing keys",
        ),
        (
            lambda path, torch, model: torch.save(
                {"model": {name: torch.zeros(1) for name in model.state_dict()}}, path
            ),
            "wrong shape",
        ),
    ],
    ids=["bogus-bytes", "no-model-key", "wrong-keys", "wrong-shapes"],
)
def test_bad_checkpoints_name_path_and_config(
    tmp_path: Path, tiny_image_model: Any, write: Any, message: str
) -> None:
    import torch

    from labelqc.prelabel.spec import CheckpointError, Sam2ModelSpec, build_model

    path = tmp_path / "weights.pt"
    write(path, torch, tiny_image_model.model)
    with pytest.raises(CheckpointError, match=message) as caught:
        build_model(Sam2ModelSpec(size="t", ckpt_path=str(path), device="cpu"))
    assert str(path) in str(caught.value) and CONFIG in str(caught.value)


def test_missing_checkpoint_names_path_and_config(tmp_path: Path) -> None:
    from labelqc.prelabel.spec import CheckpointError, Sam2ModelSpec, build_model

    missing = tmp_path / "nope.pt"
    with pytest.raises(CheckpointError, match="not found") as caught:
        build_model(Sam2ModelSpec(size="t", ckpt_path=str(missing), device="cpu"))
    assert str(missing) in str(caught.value) and CONFIG in str(caught.value)


def test_matching_checkpoint_loads_and_its_digest_is_the_model_id(
    tmp_path: Path, tiny_image_model: Any
) -> None:
    import torch

    from labelqc.prelabel.spec import Sam2ModelSpec, build_model

    path = tmp_path / "sam2.1_hiera_tiny.pt"
    torch.save({"model": tiny_image_model.model.state_dict()}, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    spec = Sam2ModelSpec(
        size="t", ckpt_path=str(path), device="cpu", hydra_overrides=("++model.image_size=256",)
    )
    loaded = build_model(spec)
    assert loaded.model_id == f"sam2.1_hiera_t@{digest[:12]}|image_size=256"
    assert not loaded.is_random
    reference = tiny_image_model.model.state_dict()
    for name, tensor in loaded.model.state_dict().items():
        assert torch.equal(tensor, reference[name]), name
