"""Format reader/writer speed next to peer libraries (run: PYTHONPATH=src python bench/bench_formats.py).

Peers: pycocotools COCO() for loading COCO JSON, datumaro 1.x importers, datumaro's CVAT mask
decoding, and label-studio-converter's brush.py (set LS_BRUSH_PY to its file to include it;
the package itself is not a project dependency).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from labelqc.formats import (
    Annotation,
    Dataset,
    ImageRecord,
    decode_cvat_rle,
    encode_cvat_rle,
    ls_rle_to_mask,
    mask_to_ls_rle,
    read_coco,
    read_cvat,
    read_label_studio,
    read_yolo,
    write_coco,
    write_cvat,
    write_label_studio,
    write_yolo,
)


def timed(fn, *args, repeat: int = 3, **kwargs) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best


def synthetic(images: int, boxes_per_image: int) -> Dataset:
    rng = np.random.default_rng(0)
    records = tuple(ImageRecord(f"{i:06d}.jpg", 1280, 720, image_id=i + 1) for i in range(images))
    xy = rng.uniform(0, 600, size=(images * boxes_per_image, 2))
    wh = rng.uniform(5, 100, size=(images * boxes_per_image, 2))
    cats = rng.integers(0, 10, size=images * boxes_per_image)
    anns = tuple(
        Annotation(
            records[k // boxes_per_image].file_name,
            f"c{cats[k]}",
            "box",
            box=(xy[k, 0], xy[k, 1], wh[k, 0], wh[k, 1]),
            annotator="ann1",
        )
        for k in range(images * boxes_per_image)
    )
    return Dataset(records, tuple(f"c{i}" for i in range(10)), anns)


def row(label: str, ours: float, peer: float | None, peer_name: str) -> None:
    peer_text = f"{peer * 1000:9.1f} ms ({peer_name})" if peer is not None else "   n/a"
    print(f"{label:<44} ours {ours * 1000:9.1f} ms   peer {peer_text}")


def main() -> None:
    dataset = synthetic(2000, 50)  # 100,000 boxes
    n = len(dataset.annotations)
    print(f"synthetic: {len(dataset.images)} images, {n} boxes (best of 3)")
    coco = write_coco(dataset)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gold.json"
        path.write_bytes(coco)
        from pycocotools.coco import COCO

        def load_pycocotools() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                COCO(str(path))

        row(
            "COCO read (validated) vs COCO() load",
            timed(read_coco, coco),
            timed(load_pycocotools),
            "pycocotools",
        )
        try:
            import datumaro as dm

            root = Path(tmp) / "coco"
            (root / "annotations").mkdir(parents=True)
            (root / "images/default").mkdir(parents=True)
            (root / "annotations/instances_default.json").write_bytes(coco)
            peer = timed(
                lambda: list(dm.Dataset.import_from(str(root), "coco_instances")), repeat=1
            )
            row("COCO read vs datumaro import", timed(read_coco, coco), peer, "datumaro")
        except ImportError:
            pass
    row("COCO write", timed(write_coco, dataset), None, "")
    cvat = write_cvat(dataset)
    row("CVAT XML write", timed(write_cvat, dataset), None, "")
    row("CVAT XML read", timed(read_cvat, cvat), None, "")
    ls = write_label_studio(dataset)
    row("Label Studio JSON write", timed(write_label_studio, dataset), None, "")
    row("Label Studio JSON read", timed(read_label_studio, ls), None, "")
    files = write_yolo(dataset)
    sizes = {i.file_name: (i.width, i.height) for i in dataset.images}
    row("YOLO write", timed(write_yolo, dataset), None, "")
    row("YOLO read", timed(read_yolo, files, image_sizes=sizes), None, "")

    rng = np.random.default_rng(1)
    mask = np.zeros((1080, 1920), dtype=np.uint8)
    for _ in range(40):
        x, y = rng.integers(0, 1800), rng.integers(0, 1000)
        mask[y : y + rng.integers(10, 80), x : x + rng.integers(10, 120)] = 1
    runs = encode_cvat_rle(mask)
    try:
        from datumaro.util import mask_tools

        def datumaro_decode() -> None:
            counts = {"counts": np.asarray(runs, dtype=np.uint32), "size": np.array([1920, 1080])}
            mask_tools.rle_to_mask(counts).transpose()

        peer = timed(datumaro_decode)
    except ImportError:
        peer = None
    row("CVAT RLE decode 1920x1080", timed(decode_cvat_rle, runs, 1920, 1080), peer, "datumaro")
    row("CVAT RLE encode 1920x1080", timed(encode_cvat_rle, mask), None, "")

    brush = mask_to_ls_rle(mask)
    reference = None
    if os.environ.get("LS_BRUSH_PY"):
        spec = importlib.util.spec_from_file_location("ls_brush_ref", os.environ["LS_BRUSH_PY"])
        reference = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(reference)
    peer_decode = timed(reference.decode_rle, brush, repeat=1) if reference else None
    peer_encode = timed(reference.mask2rle, mask * 255, repeat=1) if reference else None
    row(
        "LS brush decode 1920x1080",
        timed(ls_rle_to_mask, brush, 1920, 1080),
        peer_decode,
        "label-studio-converter",
    )
    row(
        "LS brush encode 1920x1080",
        timed(mask_to_ls_rle, mask),
        peer_encode,
        "label-studio-converter",
    )


if __name__ == "__main__":
    main()
