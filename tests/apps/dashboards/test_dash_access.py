"""Pages: logged out -> login redirect, wrong role -> 403, right role -> 200 (also on an empty
project), unknown project -> 404, and plotly.js served locally (no CDN)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from apps.common.roles import Role
from apps.dashboards.access import FINANCE_ROLES, LEAD_ROLES, QA_ROLES, QUEUE_ROLES

pytestmark = pytest.mark.django_db

PAGES = {"queue": QUEUE_ROLES, "lead": LEAD_ROLES, "qa": QA_ROLES, "finance": FINANCE_ROLES}
TEMPLATES = Path(__file__).resolve().parents[3] / "apps" / "dashboards"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_logged_out_is_sent_to_the_login_page(client, project, page):
    response = client.get(f"/projects/{project.pk}/{page}/?label_class=1")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert f"/projects/{project.pk}/{page}/" in response["Location"]


def test_home_needs_login_and_lists_pages_by_role(client, project, make_member):
    assert client.get("/").status_code == 302
    member = make_member(project, Role.ANNOTATOR)
    client.force_login(member.user)
    html = client.get("/").content.decode()
    assert f"/projects/{project.pk}/queue/" in html
    assert f"/projects/{project.pk}/qa/" not in html
    assert f"/projects/{project.pk}/finance/" not in html


@pytest.mark.parametrize("role", sorted(Role.values))
def test_each_role_opens_exactly_its_pages(project, make_member, role):
    client = Client()
    client.force_login(make_member(project, role).user)
    for page, allowed in PAGES.items():
        response = client.get(f"/projects/{project.pk}/{page}/")
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, page, response.status_code)
        if expected == 403:
            assert "cannot open this page" in response.content.decode()


def test_an_annotator_cannot_open_quality_or_finance(project, make_member):
    client = Client()
    client.force_login(make_member(project, Role.ANNOTATOR).user)
    assert client.get(f"/projects/{project.pk}/qa/").status_code == 403
    assert client.get(f"/projects/{project.pk}/finance/").status_code == 403
    assert client.get(f"/projects/{project.pk}/qa/?format=csv&table=annotators").status_code == 403


def test_non_members_get_403_and_unknown_projects_404(project, make_member, django_user_model):
    outsider = django_user_model.objects.create_user("outsider", password="pw-123456")
    client = Client()
    client.force_login(outsider)
    response = client.get(f"/projects/{project.pk}/queue/")
    assert response.status_code == 403
    assert project.name not in response.content.decode()  # no name for non-members
    client.force_login(make_member(project, Role.ADMIN).user)
    assert client.get("/projects/999999/qa/").status_code == 404


def test_superuser_opens_every_page(project, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-123456")
    client = Client()
    client.force_login(admin)
    for page in PAGES:
        assert client.get(f"/projects/{project.pk}/{page}/").status_code == 200, page


def test_navigation_shows_only_the_roles_pages(project, make_member):
    client = Client()
    client.force_login(make_member(project, Role.FINANCE).user)
    html = client.get(f"/projects/{project.pk}/finance/").content.decode()
    assert f'href="/projects/{project.pk}/finance/"' in html
    assert f'href="/projects/{project.pk}/qa/"' not in html
    assert f'href="/projects/{project.pk}/queue/"' not in html


def test_plotly_js_comes_from_the_installed_package(client):
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = b"".join(response.streaming_content)
    assert b"plotly.js" in body[:500]
    assert len(body) > 1_000_000


def test_no_page_asset_comes_from_another_host(project, make_member):
    client = Client()
    client.force_login(make_member(project, Role.ADMIN).user)
    for page in PAGES:
        html = client.get(f"/projects/{project.pk}/{page}/").content.decode()
        assert 'src="http' not in html and 'href="http' not in html, page
        assert 'src="/vendor/plotly.min.js' in html, page
    sources = [p.read_text() for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".js", ".css"}]
    assert sources and not any("cdn." in s or "//cdn" in s for s in sources)
