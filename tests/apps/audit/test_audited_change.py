import pytest

from apps.audit.models import AuditEvent
from apps.audit.services import audited_change, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.common.roles import Role
from apps.projects.models import Cohort, Project
from apps.projects.services import cohort_update, project_update


def test_a_change_writes_one_event_with_before_and_after(project, make_member):
    lead = make_member(project, Role.PROJECT_LEAD, "lead").user
    cohort = project.cohorts.get()
    before = snapshot(cohort)

    with audited_change(actor=lead, action="cohort.update", entity=cohort, reason="renamed"):
        cohort.name = "Vendor B"
        cohort.save()

    event = AuditEvent.objects.get()
    assert event.action == "cohort.update"
    assert (event.entity_type, event.entity_id) == ("projects.cohort", cohort.pk)
    assert event.project_id == project.pk
    assert event.actor == lead
    assert event.reason == "renamed"
    assert event.before == before
    assert event.before["name"] == "Vendor A"
    assert event.after == {**before, "name": "Vendor B"}


@pytest.mark.django_db
def test_an_exception_inside_writes_no_event(project):
    cohort = project.cohorts.get()

    with (
        pytest.raises(ServiceValidationError),
        audited_change(actor=None, action="cohort.update", entity=cohort),
    ):
        cohort.name = "Vendor B"
        raise ServiceValidationError("no", field="name")

    assert not AuditEvent.objects.exists()


def test_project_id_defaults_to_the_entitys_project_or_the_project_itself(project):
    other = Project.objects.create(name="Other")
    cohort = project.cohorts.get()

    with audited_change(actor=None, action="cohort.update", entity=cohort):
        pass
    with audited_change(actor=None, action="project.update", entity=project):
        pass
    with audited_change(actor=None, action="cohort.update", entity=cohort, project_id=other.pk):
        pass

    assert list(AuditEvent.objects.values_list("action", "project_id")) == [
        ("cohort.update", project.pk),
        ("project.update", project.pk),
        ("cohort.update", other.pk),
    ]


def test_converted_services_keep_their_events(project, make_member):
    lead = make_member(project, Role.PROJECT_LEAD, "lead").user
    Cohort.objects.create(project=project, name="Crowd", kind="crowd")
    cohort = project.cohorts.get(name="Vendor A")

    with pytest.raises(ServiceValidationError):
        cohort_update(actor=lead, cohort=cohort, data={"name": "Crowd"})
    assert not AuditEvent.objects.exists()

    before = snapshot(project)
    project_update(actor=lead, project=project, data={"description": "night shots"})
    event = AuditEvent.objects.get()
    assert (event.action, event.project_id, event.entity_id) == (
        "project.update",
        project.pk,
        project.pk,
    )
    assert event.before == before
    changed = {key for key in before if event.after[key] != before[key]}
    assert changed - {"updated_at"} == {"description"}
    assert event.after["description"] == "night shots"
