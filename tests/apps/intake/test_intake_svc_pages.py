"""The batch pages (list and detail with the OC curve) and the role checks of the intake API."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import pytest
from django.test import Client

from apps.common.roles import Role
from apps.intake.models import BatchInspection, BatchItem
from labelqc.intake import operating_characteristic, plan_from_table

pytestmark = pytest.mark.django_db


def page_client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def figures(html: str) -> dict:
    found = re.search(r'<script id="intake-figures" type="application/json">(.*?)</script>', html)
    assert found, "figures missing"
    return json.loads(found.group(1))


def test_batch_detail_page_shows_screening_duplicates_plan_and_decision(
    project, team, delivery, run_screen
):
    manager = team.clients[Role.QA_MANAGER]
    run_screen(delivery.batch["id"])
    manager.put(f"/api/projects/{project.pk}/sampling-plan/", {"aql": 6.5}, format="json")
    page = page_client(team.members[Role.PROJECT_LEAD])
    html = page.get(f"/batches/{delivery.batch['id']}/").content.decode()

    assert "Duplicate groups" in html and "blurry" in html and "unreadable" in html
    blurred = BatchItem.objects.get(item_id=delivery.items["astronaut_blurred.png"])
    assert f'data-url="/api/batch-items/{blurred.pk}/"' in html
    assert '"decision": "drop"' in html and '"decision": "keep"' in html
    # plotly.js comes from this server, never from a CDN.
    assert "/vendor/plotly.min.js" in html
    assert not re.search(r'src="(https?:)?//', html)

    oc = figures(html)["oc"]
    go.Figure(oc)  # a valid plotly figure
    lot = 5  # ten items, five held
    expected = operating_characteristic(plan_from_table(lot, 6.5))
    assert oc["data"][0]["y"] == pytest.approx(expected.p_accept.tolist())
    assert oc["data"][0]["x"] == pytest.approx((100 * expected.defect_rate).tolist())
    assert "n = 2, Ac = 0" in oc["layout"]["title"]["text"]

    # After a decided inspection the page shows the verdict and the defect breakdown.
    inspection = manager.post(f"/api/batches/{delivery.batch['id']}/inspect/", {}, format="json")
    inspection = inspection.json()
    reviewer = team.clients[Role.REVIEWER]
    for item_id in inspection["sampled_item_ids"]:
        url = f"/api/inspections/{inspection['id']}/items/{item_id}/reference/"
        assert reviewer.post(url, {"annotations": []}, format="json").status_code == 201
    assert manager.post(f"/api/inspections/{inspection['id']}/decide/").status_code == 200
    html = page.get(f"/batches/{delivery.batch['id']}/").content.decode()
    assert "Accept" in html and "poor localisation" in html
    go.Figure(figures(html)["defects"])
    assert BatchInspection.objects.get().verdict == "accept"


def test_batches_page_lists_the_batches(project, team, make_batch):
    make_batch("Week 12 footage", kind="footage")
    html = page_client(team.members[Role.QA_MANAGER]).get(f"/projects/{project.pk}/batches/")
    assert html.status_code == 200
    text = html.content.decode()
    assert "Week 12 footage" in text and f"/api/projects/{project.pk}/batches/" in text


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.FINANCE, Role.REVIEWER])
def test_pages_refuse_other_roles(project, team, make_batch, role):
    batch = make_batch()
    client = page_client(team.members[role])
    assert client.get(f"/projects/{project.pk}/batches/").status_code == 403
    assert client.get(f"/batches/{batch['id']}/").status_code == 403


def test_pages_send_visitors_to_sign_in_and_serve_plotly(project, make_batch):
    batch = make_batch()
    anonymous = Client()
    response = anonymous.get(f"/batches/{batch['id']}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    script = anonymous.get("/vendor/plotly.min.js")
    assert script.status_code == 200 and script["Content-Type"] == "text/javascript"
    assert b"plotly.js" in b"".join(script.streaming_content)[:200]


def test_api_roles(project, team, make_batch, item):
    batch = make_batch()
    base = f"/api/batches/{batch['id']}/"
    managed = [
        f"/api/projects/{project.pk}/batches/",
        base,
        base + "items/",
        base + "duplicates/",
        base + "screening-runs/",
        base + "rollup/",
        f"/api/projects/{project.pk}/screening-settings/",
        f"/api/projects/{project.pk}/defect-trends/",
    ]
    for role in (Role.ANNOTATOR, Role.FINANCE, Role.REVIEWER):
        for url in managed:
            assert team.clients[role].get(url).status_code == 403, (role, url)
        response = team.clients[role].post(f"/api/projects/{project.pk}/batches/", {"name": "x"})
        assert response.status_code == 403
    for role in (Role.QA_MANAGER, Role.PROJECT_LEAD, Role.ADMIN):
        for url in managed:
            assert team.clients[role].get(url).status_code == 200, (role, url)
    for role in (Role.ANNOTATOR, Role.FINANCE):
        response = team.clients[role].get(f"/api/projects/{project.pk}/inspections/")
        assert response.status_code == 403
    response = team.clients[Role.REVIEWER].get(f"/api/projects/{project.pk}/inspections/")
    assert response.status_code == 200
    # Cost figures of a batch only for leads and admins.
    assert "cost" not in team.clients[Role.QA_MANAGER].get(base + "rollup/").json()
    assert "cost" in team.clients[Role.PROJECT_LEAD].get(base + "rollup/").json()


def test_a_non_member_does_not_learn_the_projects_name(project, make_batch, django_user_model):
    batch = make_batch()
    project.name = "Secret Customer X"
    project.save()
    outsider = Client()
    outsider.force_login(django_user_model.objects.create_user("outsider", password="x"))
    for url in (f"/projects/{project.pk}/batches/", f"/batches/{batch['id']}/"):
        response = outsider.get(url)
        assert response.status_code == 403
        assert "Secret Customer X" not in response.content.decode(), url
