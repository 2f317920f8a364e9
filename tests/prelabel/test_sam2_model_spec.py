"""Model spec: sizes map to the package configs, random weights need a flag, overrides apply."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.sam2


def test_sizes_map_to_package_configs_and_random_weights_need_the_flag() -> None:
    pytest.importorskip("sam2")
    from labelqc.prelabel.spec import RandomWeightsNotAllowed, Sam2ModelSpec

    for size in ("t", "s", "b+", "l"):
        spec = Sam2ModelSpec(size=size, allow_random_weights=True)
        assert spec.config_name == f"configs/sam2.1/sam2.1_hiera_{size}.yaml"
    with pytest.raises(
        RandomWeightsNotAllowed, match=re.escape("configs/sam2.1/sam2.1_hiera_t.yaml")
    ):
        Sam2ModelSpec(size="t")
    with pytest.raises(ValueError, match="size"):
        Sam2ModelSpec(size="xl", allow_random_weights=True)
    with pytest.raises(ValueError, match="hydra_overrides"):
        Sam2ModelSpec(allow_random_weights=True, hydra_overrides=("model.image_size",))


def test_device_defaults_to_cuda_only_when_available(torch_one_thread: Any) -> None:
    from labelqc.prelabel.spec import resolve_device

    expected = "cuda" if torch_one_thread.cuda.is_available() else "cpu"
    assert resolve_device(None).type == expected
    assert resolve_device("cpu").type == "cpu"
    if not torch_one_thread.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_model_id_names_random_weights_and_overrides(tiny_image_model: Any) -> None:
    assert tiny_image_model.model_id.startswith("sam2.1_hiera_t@random-")
    assert tiny_image_model.model_id.endswith("|image_size=256")
    assert tiny_image_model.is_random and tiny_image_model.image_size == 256
    assert next(tiny_image_model.model.parameters()).device.type == tiny_image_model.device.type
    assert not tiny_image_model.model.training


def test_video_defaults_and_caller_overrides_win(
    tiny_video_model: Any, torch_one_thread: Any
) -> None:
    from labelqc.prelabel.spec import Sam2ModelSpec, build_model

    # no CUDA extension here: hole filling off by default; re-prompts become conditioning frames
    assert tiny_video_model.model.fill_hole_area == 0
    assert tiny_video_model.model.add_all_frames_to_correct_as_cond is True
    spec = Sam2ModelSpec(
        allow_random_weights=True,
        device="cpu",
        hydra_overrides=("++model.image_size=128", "++model.fill_hole_area=3"),
    )
    loaded = build_model(spec, "video")
    assert loaded.model.fill_hole_area == 3 and loaded.image_size == 128
