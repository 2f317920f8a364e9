"""Starting a quality report checks its inputs: the filter ids must be the project's, and the
window must be at least an hour long; the draft-review window likewise."""

from __future__ import annotations

import pytest

from apps.analytics.models import QualityReport
from apps.common.roles import Role
from apps.projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(project, make_member, client_for):
    return client_for(make_member(project, Role.QA_MANAGER).user)


@pytest.fixture
def elsewhere(make_member) -> Project:
    other = Project.objects.create(name="Elsewhere")
    other.classes.create(name="tree")
    other.cohorts.create(name="C", kind="managed", vendor="V")
    make_member(other, Role.ANNOTATOR, "other-annotator")
    return other


def start(client, project, body):
    return client.post(f"/api/projects/{project.pk}/quality-reports/", body, format="json")


@pytest.mark.parametrize(
    ("field", "noun"),
    [("class_ids", "class"), ("cohort_ids", "cohort"), ("annotator_ids", "annotator")],
)
def test_unknown_ids_are_400s_naming_the_field(project, qa, field, noun):
    response = start(qa, project, {field: [999, 998]})

    assert response.status_code == 400, response.content
    assert response.json() == {
        field: [f"{noun} 999 is not in this project", f"{noun} 998 is not in this project"]
    }
    assert not QualityReport.objects.exists()


def test_another_projects_ids_are_refused(project, qa, elsewhere):
    theirs = {
        "class_ids": elsewhere.classes.get().pk,
        "cohort_ids": elsewhere.cohorts.get().pk,
        "annotator_ids": elsewhere.annotators.get().pk,
    }
    ours = {
        "class_ids": project.classes.first().pk,
        "cohort_ids": project.cohorts.first().pk,
        "annotator_ids": project.annotators.first().pk,  # the QA manager's membership
    }
    nouns = {"class_ids": "class", "cohort_ids": "cohort", "annotator_ids": "annotator"}

    response = start(qa, project, {field: [ours[field], pk] for field, pk in theirs.items()})

    assert response.status_code == 400, response.content
    assert response.json() == {
        field: [f"{nouns[field]} {pk} is not in this project"] for field, pk in theirs.items()
    }
    assert not QualityReport.objects.exists()


def test_the_projects_own_ids_start_a_report(project, qa):
    body = {
        "class_ids": list(project.classes.values_list("pk", flat=True)),
        "cohort_ids": [project.cohorts.first().pk],
        "annotator_ids": [project.annotators.first().pk],
    }

    response = start(qa, project, body)

    assert response.status_code == 202, response.content
    assert QualityReport.objects.get().filters == body


@pytest.mark.parametrize("window", ["0D", "-1D", "1s", "1ns", "59min"])
def test_too_short_report_windows_are_400s_naming_window(project, qa, window):
    response = start(qa, project, {"window": window})

    assert response.status_code == 400, response.content
    [message] = response.json()["window"]
    assert message.startswith(f"{window!r} is too short (")
    assert message.endswith("a window must be at least 1 hour long, such as '1h', '6h' or '1D'")
    assert not QualityReport.objects.exists()


@pytest.mark.parametrize("window", ["1h", "7D"])
def test_windows_of_an_hour_or_more_start_a_report(project, qa, window):
    response = start(qa, project, {"window": window})

    assert response.status_code == 202, response.content
    assert QualityReport.objects.get().params["window"] == window


@pytest.mark.parametrize("window", ["0D", "-7D", "1s", "1ns"])
def test_too_short_draft_review_windows_are_400s_naming_window(project, qa, window):
    response = qa.get(f"/api/projects/{project.pk}/draft-review/", {"window": window})

    assert response.status_code == 400, response.content
    [message] = response.json()["window"]
    assert message.startswith(f"{window!r} is too short (")
