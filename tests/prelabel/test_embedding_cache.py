"""The embedding cache round-trips float16 features, writes atomically and evicts LRU under a cap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.prelabel import CachedEmbedding, EmbeddingCache, image_sha256


def _embedding(seed: int, side: int = 8) -> CachedEmbedding:
    rng = np.random.default_rng(seed)
    return CachedEmbedding(
        image_embed=rng.standard_normal((4, side, side)).astype(np.float32),
        high_res_feats=(
            rng.standard_normal((2, 4 * side, 4 * side)).astype(np.float32),
            rng.standard_normal((3, 2 * side, 2 * side)).astype(np.float32),
        ),
        orig_hw=(30 + seed, 40),
    )


def test_round_trip_stores_float16(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, max_bytes=10**7)
    original = _embedding(1)
    assert cache.get("abc", "model@x") is None
    cache.put("abc", "model@x", original)
    restored = cache.get("abc", "model@x")
    assert restored is not None and restored.orig_hw == original.orig_hw
    assert restored.image_embed.dtype == np.float16
    np.testing.assert_array_equal(restored.image_embed, original.image_embed.astype(np.float16))
    for got, want in zip(restored.high_res_feats, original.high_res_feats, strict=True):
        np.testing.assert_array_equal(got, want.astype(np.float16))
    # the model id is part of the key
    assert cache.get("abc", "model@y") is None
    assert not list(tmp_path.glob("*.tmp")), "no temporary file may be left behind"


def test_eviction_drops_least_recently_accessed(tmp_path: Path) -> None:
    probe = EmbeddingCache(tmp_path / "probe", max_bytes=10**7)
    entry_bytes = probe.put("probe", "m", _embedding(0)).stat().st_size  # type: ignore[union-attr]
    cache = EmbeddingCache(tmp_path / "cache", max_bytes=int(entry_bytes * 3.5))
    for name in ("a", "b", "c"):
        cache.put(name, "m", _embedding(0))
    assert cache.get("a", "m") is not None  # "a" becomes the most recently used
    cache.put("d", "m", _embedding(0))  # over the cap: evict the least recently accessed, "b"
    assert cache.get("b", "m") is None
    assert all(cache.get(name, "m") is not None for name in ("a", "c", "d"))
    assert cache.total_bytes() <= cache.max_bytes
    cache.put("e", "m", _embedding(0))  # now "a" is the oldest access ("c", "d" read after it)
    assert cache.get("a", "m") is None and len(cache) == 3


def test_entry_larger_than_the_cap_is_not_kept(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, max_bytes=1000)
    assert cache.put("big", "m", _embedding(0)) is None
    assert len(cache) == 0


def test_corrupt_entry_is_a_miss_and_removed(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, max_bytes=10**7)
    path = cache.put("abc", "m", _embedding(0))
    assert path is not None
    path.write_bytes(b"not a zip file")
    assert cache.get("abc", "m") is None
    assert not path.exists()


def test_image_digest_depends_on_pixels_and_shape() -> None:
    image = np.zeros((4, 6, 3), dtype=np.uint8)
    assert image_sha256(image) == image_sha256(image.copy())
    assert image_sha256(image) != image_sha256(image.reshape(6, 4, 3))
    changed = image.copy()
    changed[0, 0, 0] = 1
    assert image_sha256(image) != image_sha256(changed)


@given(st.lists(st.tuples(st.sampled_from(["put", "get"]), st.integers(0, 5)), max_size=25))
@settings(max_examples=25, deadline=None)
def test_cap_always_holds_and_latest_put_survives(
    tmp_path_factory: pytest.TempPathFactory, operations: list[tuple[str, int]]
) -> None:
    directory = tmp_path_factory.mktemp("cache")
    cache = EmbeddingCache(directory, max_bytes=60_000)  # room for about 2 entries
    for action, key in operations:
        if action == "put":
            cache.put(str(key), "m", _embedding(key, side=16))
            assert cache.get(str(key), "m") is not None
        else:
            cache.get(str(key), "m")
        assert cache.total_bytes() <= cache.max_bytes
