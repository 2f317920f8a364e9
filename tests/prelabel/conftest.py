"""Fixtures for pre-labeling tests: random-weight SAM 2.1 hiera-tiny, built once per session.

The models run at ++model.image_size=256 (16x16 embeddings) so a forward pass costs a fraction
of a second on CPU, on one torch thread: the test machines are small and shared, and several
threads fighting over two cores made SAM 2 calls ten times slower.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

SMALL = ("++model.image_size=256",)


@pytest.fixture(scope="session")
def torch_one_thread() -> Iterator[Any]:
    torch = pytest.importorskip("torch")
    pytest.importorskip("sam2")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_image_model(torch_one_thread: Any) -> Any:
    from labelqc.prelabel.spec import Sam2ModelSpec, build_model

    torch_one_thread.manual_seed(0)
    spec = Sam2ModelSpec(size="t", allow_random_weights=True, device="cpu", hydra_overrides=SMALL)
    return build_model(spec, "image")


@pytest.fixture(scope="session")
def tiny_video_model(torch_one_thread: Any) -> Any:
    from labelqc.prelabel.spec import Sam2ModelSpec, build_model

    torch_one_thread.manual_seed(0)
    spec = Sam2ModelSpec(size="t", allow_random_weights=True, device="cpu", hydra_overrides=SMALL)
    return build_model(spec, "video")


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A real photograph (scikit-image's chelsea, 300 x 451 RGB)."""
    from skimage import data

    return data.chelsea()
