"""A request Django finds malformed (more query or form fields than it accepts) is a 400 that
says why, never a 500, with DEBUG on (the embedded default) or off. Found by fuzzing the API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("where", ["query", "form"])
def test_too_many_fields_is_a_400(project, lead_client, settings, debug, where):
    settings.DEBUG = debug
    fields = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    url = f"/api/projects/{project.pk}/quality-reports/"
    if where == "query":
        response = lead_client.post(f"{url}?{fields}", {}, format="json")
    else:
        response = lead_client.post(url, fields, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.content[:300]
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.json()["detail"]
