"""The service gets SAM 2 when a checkpoint is configured, GrabCut otherwise, and results say which."""

from __future__ import annotations

from pathlib import Path

import pytest
from skimage import data

from labelqc.prelabel import GrabCutBackend, PrelabelBackend, Prompt, select_backend


@pytest.mark.parametrize("configured", [None, "", "   "])
def test_no_checkpoint_means_grabcut(configured: str | None) -> None:
    backend = select_backend(configured)
    assert isinstance(backend, GrabCutBackend) and isinstance(backend, PrelabelBackend)
    result = backend.predict(data.coins(), [Prompt(box_xywh=(20, 10, 60, 60))])[0]
    assert result.backend == "grabcut" and result.model_id == backend.model_id


@pytest.mark.sam2
def test_a_broken_checkpoint_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    pytest.importorskip("sam2")
    from labelqc.prelabel import CheckpointError

    bogus = tmp_path / "sam2.1_hiera_small.pt"
    bogus.write_bytes(b"\x00" * 64)
    with pytest.raises(CheckpointError) as caught:
        select_backend(str(bogus), size="s", device="cpu")
    assert str(bogus) in str(caught.value)
    assert "configs/sam2.1/sam2.1_hiera_s.yaml" in str(caught.value)
