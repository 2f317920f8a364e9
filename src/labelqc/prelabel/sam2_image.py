"""SAM 2 image pre-labeling: embeddings computed once per image + model, prompts answered fast.

Flow per image: look the embedding up in the ``EmbeddingCache`` (sha256 of the pixels + model
id), compute it on a miss (``set_image``, or ``set_image_batch`` for a batch of images), restore
it into the predictor, then answer ALL prompts of the image in one ``predict`` call with
``multimask_output=True``. Per prompt the candidate with the highest predicted IoU is the
pre-label (what SAM 2 itself does when tracking); the other candidates feed the disagreement
uncertainty. An image without prompts goes to ``SAM2AutomaticMaskGenerator``, which reuses the
same cached embedding.

Not thread-safe: the predictor holds one image's features; use one backend per worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
import torch
from sam2.automatic_mask_generator import SAM2AutomaticMaskGenerator
from sam2.sam2_image_predictor import SAM2ImagePredictor

from labelqc.prelabel.cache import CachedEmbedding, EmbeddingCache
from labelqc.prelabel.cache import image_sha256 as pixels_sha256
from labelqc.prelabel.sam2_decode import (
    decoded_to_results,
    encode_prompts,
    records_to_results,
)
from labelqc.prelabel.spec import LoadedModel, Sam2ModelSpec, build_model, inference_context
from labelqc.prelabel.types import (
    PrelabelError,
    PrelabelResult,
    Prompt,
    as_rgb_uint8,
    check_prompts_in_image,
)


@dataclass(frozen=True)
class AutoMaskOptions:
    """Settings passed to ``SAM2AutomaticMaskGenerator`` for items without prompts.

    The defaults are the package's; with random weights nothing passes them (set both
    thresholds to 0 in tests).
    """

    points_per_side: int = 32
    points_per_batch: int = 64
    pred_iou_thresh: float = 0.8
    stability_score_thresh: float = 0.95
    box_nms_thresh: float = 0.7
    min_mask_region_area: int = 0


@dataclass
class _HeldEmbedding:
    digest: str
    embedding: CachedEmbedding
    pixels_digest: str | None = None


def feature_sizes(image_size: int) -> list[tuple[int, int]]:
    """Backbone feature-map sizes (finest first) for a model's input side (strides 4, 8, 16)."""
    return [(image_size // stride, image_size // stride) for stride in (4, 8, 16)]


class FeatureSourcePredictor(SAM2ImagePredictor):
    """``SAM2ImagePredictor`` whose ``set_image`` restores features from a source (the cache).

    It is handed to the automatic mask generator so that it does not recompute embeddings.
    """

    def __init__(
        self,
        sam_model: torch.nn.Module,
        feature_source: Callable[[np.ndarray], CachedEmbedding],
    ) -> None:
        super().__init__(sam_model)
        # upstream hard-codes the 1024 px sizes; ++model.image_size changes them
        self._bb_feat_sizes = feature_sizes(int(sam_model.image_size))
        self._feature_source = feature_source

    def set_image(self, image: np.ndarray) -> None:  # type: ignore[override]
        """Restore (or compute and cache) the features of ``image``."""
        self.restore([self._feature_source(as_rgb_uint8(image))])

    def restore(self, embeddings: Sequence[CachedEmbedding], batch: bool = False) -> None:
        """Load stored features: single-image mode, or batch mode for ``predict_batch``."""
        self.reset_predictor()
        device = self.device

        def to_device(array: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.asarray(array)).to(device=device, dtype=torch.float32)

        self._features = {
            "image_embed": torch.stack([to_device(e.image_embed) for e in embeddings]),
            "high_res_feats": [
                torch.stack([to_device(e.high_res_feats[level]) for e in embeddings])
                for level in range(len(embeddings[0].high_res_feats))
            ],
        }
        self._orig_hw = [tuple(e.orig_hw) for e in embeddings]
        self._is_image_set = True
        self._is_batch = batch or len(embeddings) > 1


class Sam2ImageBackend:
    """Pre-labels images with SAM 2 (``name == "sam2"``), following ``PrelabelBackend``.

    spec / loaded: what to build (or an already built ``LoadedModel`` to share weights).
    cache: embedding cache; None computes every embedding (kept in float32).
    stability_offset: logit offset of the stability score.
    batch_size: images per ``set_image_batch`` call in ``predict_many`` (default 8 on CUDA,
        1 on CPU, where batching does not speed the encoder up).
    """

    name = "sam2"

    def __init__(
        self,
        spec: Sam2ModelSpec | None = None,
        *,
        loaded: LoadedModel | None = None,
        cache: EmbeddingCache | None = None,
        auto_masks: AutoMaskOptions | None = None,
        stability_offset: float = 1.0,
        batch_size: int | None = None,
    ) -> None:
        if (spec is None) == (loaded is None):
            raise ValueError("spec / loaded: give exactly one")
        self.loaded = loaded if loaded is not None else build_model(spec, "image")  # type: ignore[arg-type]
        self.cache = cache
        self.auto_masks = auto_masks or AutoMaskOptions()
        self.stability_offset = float(stability_offset)
        self.batch_size = batch_size or (8 if self.loaded.device.type == "cuda" else 1)
        self._bf16 = self.loaded.spec.cpu_bf16
        self._encoder = SAM2ImagePredictor(self.loaded.model)
        self._encoder._bb_feat_sizes = feature_sizes(self.loaded.image_size)
        self._predictor = FeatureSourcePredictor(self.loaded.model, self._features_for_image)
        self._current_digest: str | None = None  # image whose features the predictor holds
        self._held: _HeldEmbedding | None = None  # last single image's embedding, in memory
        self.stats = {"embeddings_computed": 0, "cache_hits": 0, "memory_hits": 0}

    @property
    def model_id(self) -> str:
        """Model id of the loaded weights (``...@random-...`` for random weights)."""
        return self.loaded.model_id

    def _context(self) -> AbstractContextManager[None]:
        return inference_context(self.loaded.device, self._bf16)

    def _compute(self, images: Sequence[np.ndarray]) -> list[CachedEmbedding]:
        """Run the image encoder; one image -> set_image, several -> set_image_batch."""
        with self._context():
            if len(images) == 1:
                self._encoder.set_image(images[0])
            else:
                self._encoder.set_image_batch(list(images))
            features = self._encoder._features
            embed = features["image_embed"].float().cpu().numpy()
            high_res = [level.float().cpu().numpy() for level in features["high_res_feats"]]
            self._encoder.reset_predictor()
        self.stats["embeddings_computed"] += len(images)
        return [
            CachedEmbedding(
                image_embed=embed[index],
                high_res_feats=tuple(level[index] for level in high_res),
                orig_hw=(int(image.shape[0]), int(image.shape[1])),
            )
            for index, image in enumerate(images)
        ]

    def _store(self, digest: str, embedding: CachedEmbedding) -> CachedEmbedding:
        """Round to float16 and cache; the rounded copy is what every later call sees."""
        if self.cache is None:
            return embedding
        rounded = CachedEmbedding(
            image_embed=embedding.image_embed.astype(np.float16),
            high_res_feats=tuple(f.astype(np.float16) for f in embedding.high_res_feats),
            orig_hw=embedding.orig_hw,
        )
        self.cache.put(digest, self.model_id, rounded)
        return rounded

    def _lookup(self, digest: str, image: np.ndarray) -> CachedEmbedding | None:
        if self._held is not None and self._held.digest == digest:
            self.stats["memory_hits"] += 1
            return self._held.embedding
        if self.cache is None:
            return None
        found = self.cache.get(digest, self.model_id)
        expected = (self.loaded.image_size // 16, self.loaded.image_size // 16)
        if (
            found is None
            or found.orig_hw != image.shape[:2]
            or found.image_embed.shape[1:] != expected
        ):
            return None
        self.stats["cache_hits"] += 1
        return found

    def embeddings(
        self, images: Sequence[np.ndarray], digests: Sequence[str]
    ) -> list[CachedEmbedding]:
        """Embeddings of ``images`` (RGB uint8): cache hits restored, misses computed in batches."""
        found: list[CachedEmbedding | None] = [
            self._lookup(digest, image) for image, digest in zip(images, digests, strict=True)
        ]
        missing = [index for index, embedding in enumerate(found) if embedding is None]
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            computed = self._compute([images[index] for index in chunk])
            for index, embedding in zip(chunk, computed, strict=True):
                found[index] = self._store(digests[index], embedding)
        return [embedding for embedding in found if embedding is not None]

    def _features_for_image(self, image: np.ndarray) -> CachedEmbedding:
        """Feature source of the automatic mask generator (it passes pixels, not a key)."""
        pixels_digest = pixels_sha256(image)
        if self._held is not None and self._held.pixels_digest == pixels_digest:
            self.stats["memory_hits"] += 1
            return self._held.embedding
        return self.embeddings([image], [pixels_digest])[0]

    def _set_single(self, image: np.ndarray, digest: str) -> None:
        if self._current_digest == digest and self._predictor._is_image_set:
            return  # the predictor already holds this image (repeated clicks on one item)
        embedding = self.embeddings([image], [digest])[0]
        self._predictor.restore([embedding])
        self._current_digest = digest
        self._held = _HeldEmbedding(digest, embedding)

    def forget_current_image(self) -> None:
        """Drop the features held in memory, so the next call goes through the cache."""
        self._predictor.reset_predictor()
        self._current_digest = None
        self._held = None

    def predict(
        self,
        image: np.ndarray,
        prompts: Sequence[Prompt],
        *,
        image_sha256: str | None = None,
    ) -> list[PrelabelResult]:
        """Masks for all ``prompts`` of ``image`` in one decoder call (automatic when empty).

        image: H x W x 3 uint8 RGB (or H x W grey). image_sha256: the cache key's image part
        (e.g. the file's hash); by default the sha256 of the pixels.
        """
        rgb = as_rgb_uint8(image)
        check_prompts_in_image(prompts, rgb.shape[0], rgb.shape[1])
        digest = image_sha256 or pixels_sha256(rgb)
        self._set_single(rgb, digest)
        if not prompts:
            return self._automatic(rgb)
        encoded = encode_prompts(prompts)
        with self._context():
            if encoded.boxes_xyxy is not None:
                masks, ious, low_res = self._predictor.predict(
                    box=encoded.boxes_xyxy, multimask_output=True
                )
            else:
                masks, ious, low_res = self._predictor.predict(
                    point_coords=encoded.point_coords,
                    point_labels=encoded.point_labels,
                    multimask_output=True,
                )
        return decoded_to_results(
            masks, ious, low_res, prompts, self._describe(), self.stability_offset
        )

    def predict_many(
        self,
        images: Sequence[np.ndarray],
        prompts_per_image: Sequence[Sequence[Prompt]],
        *,
        image_sha256s: Sequence[str] | None = None,
    ) -> list[list[PrelabelResult]]:
        """Batch path (GPU): embeddings via ``set_image_batch``, masks via ``predict_batch``.

        Images without prompts go through the automatic mask generator one by one.
        Returns one result list per image, in input order.
        """
        if len(images) != len(prompts_per_image):
            raise PrelabelError(
                f"prompts_per_image: {len(prompts_per_image)} lists for {len(images)} images"
            )
        rgbs = [as_rgb_uint8(image, f"images[{i}]") for i, image in enumerate(images)]
        for index, (rgb, prompts) in enumerate(zip(rgbs, prompts_per_image, strict=True)):
            try:
                check_prompts_in_image(prompts, rgb.shape[0], rgb.shape[1])
            except PrelabelError as error:
                raise type(error)(f"images[{index}]: {error}") from error
        digests = (
            list(image_sha256s) if image_sha256s is not None else [pixels_sha256(r) for r in rgbs]
        )
        if len(digests) != len(rgbs):
            raise PrelabelError(f"image_sha256s: {len(digests)} digests for {len(rgbs)} images")
        outputs: list[list[PrelabelResult]] = [[] for _ in rgbs]
        prompted = [i for i, prompts in enumerate(prompts_per_image) if prompts]
        for start in range(0, len(prompted), self.batch_size):
            chunk = prompted[start : start + self.batch_size]
            embeddings = self.embeddings([rgbs[i] for i in chunk], [digests[i] for i in chunk])
            encoded = [encode_prompts(prompts_per_image[i], boxes_as_points=True) for i in chunk]
            self._predictor.restore(embeddings, batch=True)
            self._current_digest = None
            with self._context():
                all_masks, all_ious, all_low_res = self._predictor.predict_batch(
                    point_coords_batch=[e.point_coords for e in encoded],
                    point_labels_batch=[e.point_labels for e in encoded],
                    multimask_output=True,
                )
            for position, index in enumerate(chunk):
                outputs[index] = decoded_to_results(
                    all_masks[position], all_ious[position], all_low_res[position],
                    prompts_per_image[index], self._describe(), self.stability_offset,
                )  # fmt: skip
        self._predictor.reset_predictor()
        for index in (i for i, prompts in enumerate(prompts_per_image) if not prompts):
            self._set_single(rgbs[index], digests[index])
            outputs[index] = self._automatic(rgbs[index])
        return outputs

    def _describe(self) -> dict[str, object]:
        return {
            "backend": self.name,
            "model_id": self.model_id,
            "random_weights": self.loaded.is_random,
        }

    def _automatic(self, rgb: np.ndarray) -> list[PrelabelResult]:
        """Automatic masks for an image without prompts (its features are already set)."""
        options = self.auto_masks
        generator = SAM2AutomaticMaskGenerator(
            self.loaded.model,
            points_per_side=options.points_per_side,
            points_per_batch=options.points_per_batch,
            pred_iou_thresh=options.pred_iou_thresh,
            stability_score_thresh=options.stability_score_thresh,
            stability_score_offset=self.stability_offset,
            box_nms_thresh=options.box_nms_thresh,
            min_mask_region_area=options.min_mask_region_area,
            output_mode="coco_rle",
        )
        generator.predictor = self._predictor
        if self._held is not None:  # _set_single(rgb, ...) just ran: same pixels
            self._held.pixels_digest = pixels_sha256(rgb)
        with self._context():
            records = generator.generate(rgb)
        self._current_digest = None  # the generator resets the predictor when done
        return records_to_results(records, self._describe())
