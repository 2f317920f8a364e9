"""Pure readers and writers for COCO, YOLO, Pascal VOC, CVAT XML and Label Studio JSON.

Every reader returns a :class:`Dataset` (images, category names, annotations, notes) and
raises :class:`FormatError` naming the file, record and field of each problem; every writer
takes a Dataset and returns bytes (one-file formats) or ``{relative_path: bytes}`` (folder
formats). See docs/formats.md for what each format keeps and loses.
"""

from labelqc.formats._io import DEFAULT_MAX_BYTES
from labelqc.formats.coco import read_coco
from labelqc.formats.coco_writer import write_coco
from labelqc.formats.cvat import read_cvat
from labelqc.formats.cvat_writer import write_cvat
from labelqc.formats.errors import FormatError, Problem
from labelqc.formats.label_studio import read_label_studio
from labelqc.formats.label_studio_writer import label_studio_config, write_label_studio
from labelqc.formats.ls_brush import ls_rle_to_mask, mask_to_ls_rle
from labelqc.formats.mapping import (
    attach_sha256,
    dataset_from_frames,
    map_categories,
    map_images,
    merge_datasets,
    split_by_annotator,
    to_annotation_frame,
)
from labelqc.formats.masks import (
    coco_rle_to_cvat,
    cvat_to_coco_rle,
    decode_cvat_rle,
    encode_cvat_rle,
)
from labelqc.formats.model import Annotation, Dataset, ImageRecord
from labelqc.formats.voc import read_voc, write_voc
from labelqc.formats.yolo import read_yolo, write_yolo

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Annotation",
    "Dataset",
    "FormatError",
    "ImageRecord",
    "Problem",
    "attach_sha256",
    "coco_rle_to_cvat",
    "cvat_to_coco_rle",
    "dataset_from_frames",
    "decode_cvat_rle",
    "encode_cvat_rle",
    "label_studio_config",
    "ls_rle_to_mask",
    "map_categories",
    "map_images",
    "mask_to_ls_rle",
    "merge_datasets",
    "read_coco",
    "read_cvat",
    "read_label_studio",
    "read_voc",
    "read_yolo",
    "split_by_annotator",
    "to_annotation_frame",
    "write_coco",
    "write_cvat",
    "write_label_studio",
    "write_voc",
    "write_yolo",
]
