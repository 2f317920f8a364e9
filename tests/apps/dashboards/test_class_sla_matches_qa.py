"""On the demo, the class-SLA compliance API's IAA is the QA page's per-class alpha."""

from __future__ import annotations

import csv
import io

import pytest

from apps.workflow.models import ClassSla

pytestmark = pytest.mark.django_db


def test_compliance_iaa_is_the_qa_pages_class_alpha(worked_demo, login):
    slas = dict(
        ClassSla.objects.filter(project=worked_demo).values_list("label_class", "iaa_floor")
    )
    assert len(slas) == 2  # the demo sets SLAs on two classes, with windows covering all its data
    response = login("lead").get(f"/api/projects/{worked_demo.pk}/slas/compliance/")
    assert response.status_code == 200, response.content
    observed = {row["class_name"]: row for row in response.json()["classes"]}
    page = login("qa").get(f"/projects/{worked_demo.pk}/qa/?format=csv&table=classes")
    alphas = {r["name"]: float(r["alpha"]) for r in csv.DictReader(io.StringIO(page.text))}
    assert len(observed) == 2
    for name, row in observed.items():
        assert row["observed"]["iaa"] == pytest.approx(alphas[name])
        assert row["compliant"]["iaa"] is (row["observed"]["iaa"] >= slas[row["label_class"]])
