"""A stored upload is only ever served as an image, whatever the client called it."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.items.models import Item

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(document.cookie)</script>"


def gif_with_script() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "GIF")
    return buffer.getvalue() + SCRIPT


def test_an_image_named_html_is_stored_and_served_as_its_real_format(
    project, lead_client, media_root
):
    upload = SimpleUploadedFile("x.html", gif_with_script(), content_type="text/html")
    created = lead_client.post(f"/api/projects/{project.pk}/items/", {"file": upload})
    assert created.status_code == 201, created.content
    item = Item.objects.get(pk=created.json()["id"])
    assert item.file.name.endswith(".gif") and item.file_name == "x.html"
    served = lead_client.get(f"/api/items/{item.pk}/image/")
    assert served["Content-Type"] == "image/gif"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]


def test_a_file_stored_under_a_non_image_name_is_only_downloadable(
    project, lead_client, media_root
):
    item = Item(project=project, width=4, height=4, sha256="a" * 64, file_name="old.html")
    item.file.save("old.html", ContentFile(gif_with_script()), save=True)
    served = lead_client.get(f"/api/items/{item.pk}/image/")
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"
