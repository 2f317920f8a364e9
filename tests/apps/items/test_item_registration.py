"""Items come from uploads Pillow can open (under a pixel cap) or from URIs with sizes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data as sample_images

from apps.items.models import Item
from tests.apps.conftest import png_bytes

pytestmark = pytest.mark.django_db


def upload(client, project, payload: bytes, name: str = "photo.png", **extra):
    file = io.BytesIO(payload)
    file.name = name
    return client.post(
        f"/api/projects/{project.pk}/items/", {"file": file, **extra}, format="multipart"
    )


def test_upload_of_a_real_photograph_records_size_and_hash(project, lead_client, media_root):
    buffer = io.BytesIO()
    Image.fromarray(sample_images.coffee()).save(buffer, "JPEG", quality=90)
    response = upload(lead_client, project, buffer.getvalue(), "coffee.jpg", scene_tags=["indoor"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"]) == (600, 400)
    assert len(body["sha256"]) == 64 and body["scene_tags"] == ["indoor"]
    image = lead_client.get(body["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_unreadable_file_is_a_400_naming_the_field(project, lead_client, media_root):
    response = upload(lead_client, project, b"not an image at all", "x.png")
    assert response.status_code == 400
    assert "file" in response.json()
    assert Item.objects.count() == 0


def test_truncated_image_is_rejected(project, lead_client, media_root):
    response = upload(lead_client, project, png_bytes()[:-200])
    assert response.status_code == 400 and "file" in response.json()


def test_pixel_cap_rejects_decompression_bombs(project, lead_client, media_root, settings):
    settings.LABELQC_MAX_IMAGE_PIXELS = 1000
    response = upload(lead_client, project, png_bytes(64, 48))
    assert response.status_code == 400
    assert "pixels" in response.json()["file"][0]


def test_uri_registration_and_frames(project, lead_client):
    base = f"/api/projects/{project.pk}/items/"
    first = lead_client.post(
        base,
        {
            "uri": "s3://bucket/v1/000.jpg",
            "width": 1920,
            "height": 1080,
            "video": "v1",
            "frame_index": 0,
        },
        format="json",
    )
    assert first.status_code == 201, first.content
    dup = lead_client.post(
        base,
        {
            "uri": "s3://bucket/v1/000b.jpg",
            "width": 1920,
            "height": 1080,
            "video": "v1",
            "frame_index": 0,
        },
        format="json",
    )
    assert dup.status_code == 400 and "frame_index" in dup.json()
    half = lead_client.post(
        base, {"uri": "s3://x.jpg", "width": 10, "height": 10, "frame_index": 3}, format="json"
    )
    assert half.status_code == 400 and "frame_index" in half.json()
    bad = lead_client.post(base, {"uri": "s3://x.jpg", "width": 0, "height": 10}, format="json")
    assert bad.status_code == 400 and "width" in bad.json()
    sha = lead_client.post(
        base, {"uri": "s3://x.jpg", "width": 5, "height": 5, "sha256": "xyz"}, format="json"
    )
    assert sha.status_code == 400 and "sha256" in sha.json()
    assert Item.objects.count() == 1
    assert np.array_equal([Item.objects.get().frame_index], [0])
