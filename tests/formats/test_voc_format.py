"""Pascal VOC: the 1-based inclusive pixel convention, round trips and bad files."""

from __future__ import annotations

import pytest
from formats_helpers import FIXTURES, assert_same_shapes, only, sample_dataset, single_annotator

from labelqc.formats import Annotation, Dataset, FormatError, ImageRecord, read_voc, write_voc

VOC_XML = """<annotation><filename>a.jpg</filename>
<size><width>20</width><height>10</height><depth>3</depth></size>
<object><name>cat</name><difficult>0</difficult>
<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>20</xmax><ymax>10</ymax></bndbox></object>
</annotation>"""


def test_sample_reads_with_one_based_inclusive_corners() -> None:
    dataset = read_voc(FIXTURES / "voc")
    (image,) = dataset.images
    assert (image.file_name, image.width, image.height, image.subset) == (
        "2007_000001.jpg",
        20,
        10,
        "train",
    )
    cat, person = dataset.annotations
    # xmin=1..xmax=3 covers pixel columns 0, 1, 2: x=0, w=3.
    assert cat.box == (0.0, 1.0, 3.0, 3.0)
    assert cat.attributes == {"truncated": True, "difficult": False, "pose": "Unspecified"}
    assert person.box == (3.0, 4.0, 3.0, 3.0)


def test_full_image_box_and_zero_based_mode() -> None:
    (ann,) = read_voc(VOC_XML).annotations
    assert ann.box == (0.0, 0.0, 20.0, 10.0)
    (raw,) = read_voc(VOC_XML, coordinate_mode="dm-zero-based").annotations
    assert raw.box == (1.0, 1.0, 19.0, 9.0)


def test_round_trip_of_pixel_aligned_boxes_is_exact() -> None:
    images = (ImageRecord("a.jpg", 20, 10), ImageRecord("b.jpg", 8, 8, subset="val"))
    anns = (
        Annotation("a.jpg", "cat", "box", box=(0, 0, 20, 10), attributes={"occluded": True}),
        Annotation("a.jpg", "dog", "box", box=(3, 2, 4, 5)),
        Annotation("b.jpg", "dog", "box", box=(1, 1, 6, 6)),
    )
    dataset = Dataset(images, ("cat", "dog"), anns)
    files = write_voc(dataset)
    assert set(files) == {
        "Annotations/a.xml",
        "Annotations/b.xml",
        "ImageSets/Main/train.txt",
        "ImageSets/Main/val.txt",
        "labelmap.txt",
    }
    back = read_voc(files)
    assert back.categories == ("cat", "dog")
    assert [i.subset for i in back.images] == ["train", "val"]
    assert_same_shapes(dataset, back, tol=0.0)
    assert back.annotations[0].attributes["occluded"] is True


def test_fractional_boxes_snap_outward_or_stay_exact() -> None:
    dataset = single_annotator(only(sample_dataset(), "box"), "alice")
    snapped = read_voc(write_voc(dataset))
    cat = next(a for a in snapped.annotations if a.category == "cat")
    assert cat.box == (1.0, 2.0, 11.0, 6.0)  # (1.5, 2.25, 10, 5.5) widened to whole pixels
    exact = read_voc(write_voc(dataset, snap_to_pixels=False))
    assert_same_shapes(dataset, exact, tol=1e-6, check_annotator=False)


def test_polygons_and_masks_only_as_boxes_when_asked() -> None:
    dataset = single_annotator(sample_dataset(), "alice")
    with pytest.raises(FormatError) as info:
        write_voc(dataset)
    assert info.value.field == "geometry"
    back = read_voc(write_voc(dataset, as_boxes=True, snap_to_pixels=False))
    assert len(back.annotations) == len(dataset.annotations)


def test_malformed_and_incomplete_documents() -> None:
    with pytest.raises(FormatError) as info:
        read_voc(b"<annotation><filename>a.jpg</filename>", name="a.xml")
    assert (info.value.file, info.value.field) == ("a.xml", "xml")
    broken = VOC_XML.replace("<xmax>20</xmax>", "").replace("<name>cat</name>", "<name>cat</name>")
    with pytest.raises(FormatError) as info:
        read_voc(broken, name="a.xml")
    assert (info.value.record, info.value.field) == ("a.xml object[0]", "bndbox")
    outside = VOC_XML.replace("<xmax>20</xmax>", "<xmax>40</xmax>")
    with pytest.raises(FormatError) as info:
        read_voc(outside, name="a.xml")
    assert "outside" in info.value.message
    with pytest.raises(FormatError) as info:
        read_voc("<notvoc/>", name="a.xml")
    assert info.value.field == "annotation"


def test_folder_errors_name_each_file() -> None:
    files = {
        "Annotations/a.xml": VOC_XML.encode(),
        "Annotations/b.xml": b"<annotation><size/></annotation>",
        "Annotations/c.xml": b"<annotation",
        "labelmap.txt": b"# label:color_rgb:parts:actions\ndog:::\n",
    }
    with pytest.raises(FormatError) as info:
        read_voc(files)
    found = {(p.record, p.field) for p in info.value.problems}
    assert ("Annotations/b.xml", "filename") in found
    assert ("Annotations/a.xml", "object/name") in found
    assert any(r.startswith("Annotations/c.xml") and f == "xml" for r, f in found)


@pytest.mark.parametrize(
    "payload",
    [
        # billion laughs
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><annotation>&lol2;</annotation>',
        # external entity (XXE)
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<annotation><filename>&xxe;</filename></annotation>",
        # a bare DTD
        '<?xml version="1.0"?><!DOCTYPE annotation SYSTEM "http://example.com/x.dtd"><annotation/>',
    ],
)
def test_entity_tricks_are_refused(payload: str) -> None:
    with pytest.raises(FormatError) as info:
        read_voc(payload.encode(), name="evil.xml")
    assert (info.value.file, info.value.field) == ("evil.xml", "DOCTYPE")
