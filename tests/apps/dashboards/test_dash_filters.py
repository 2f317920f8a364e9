"""Bad page input is a 400 that names the field; good filters pass through to links."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.common.roles import Role
from apps.projects.models import Cohort, LabelClass, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa_client(project, make_member):
    client = Client()
    client.force_login(make_member(project, Role.QA_MANAGER).user)
    return client


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=yesterday", "since"),
        ("until=2024-13-01", "until"),
        ("since=2024-03-10&until=2024-03-01", "until"),
        ("until=9999-12-31", "until"),
        ("cohort=abc", "cohort"),
        ("cohort=0", "cohort"),
        ("label_class=-3", "label_class"),
        ("format=csv", "table"),
        ("format=xlsx&table=annotators", "format"),
        ("format=csv&table=nope", "table"),
        ("drift=annotator", "drift"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(qa_client, project, query, field):
    response = qa_client.get(f"/projects/{project.pk}/qa/?{query}")
    assert response.status_code == 400
    assert f"<strong>{field}</strong>" in response.content.decode()


def test_cohorts_and_classes_of_other_projects_are_refused(qa_client, project):
    other = Project.objects.create(name="Other")
    cohort = Cohort.objects.create(project=other, name="elsewhere")
    cls = LabelClass.objects.create(project=other, name="dog")
    for query, field in (
        (f"cohort={cohort.pk}", "cohort"),
        (f"label_class={cls.pk}", "label_class"),
    ):
        response = qa_client.get(f"/projects/{project.pk}/lead/?{query}")
        assert response.status_code == 400
        assert field in response.content.decode()


def test_valid_filters_are_kept_in_the_csv_links(qa_client, project):
    cohort = project.cohorts.first()
    cls = project.classes.first()
    query = f"since=2024-03-01&until=2024-03-31&cohort={cohort.pk}&label_class={cls.pk}"
    html = qa_client.get(f"/projects/{project.pk}/qa/?{query}").content.decode()
    assert f"?{query.replace('&', '&amp;')}&amp;format=csv&amp;table=annotators" in html
    assert 'value="2024-03-01"' in html and 'value="2024-03-31"' in html


def test_csv_of_an_empty_table_has_its_header(qa_client, project):
    response = qa_client.get(f"/projects/{project.pk}/qa/?format=csv&table=annotators")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="project' in response["Content-Disposition"]
    header = response.content.decode().splitlines()[0]
    assert header.startswith("annotator,user,cohort,n_items,accuracy")
