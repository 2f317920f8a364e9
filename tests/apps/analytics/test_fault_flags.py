"""Fault flags in the service: labelqc.catch over a project's own rows, as a job and a snapshot.

The program loaded here is ``catch_spec(1000, seed=1, **ROSTER)`` (no mid-program faults, no
drifters, 10 days): five annotators faulty from their first item (A1 loose boxes, A2 tight
boxes, A3 round/oval confuser, A4 misses small objects, A5 spammer), six clean ones (A6-A11),
and the ambiguous class "irregular". Each annotator does about 195 items, 21 of them honeypots
(5 openers, then about 10%), which is what tests/catch/test_catch_planted_faults.py shows the
default rules need: the size bias is caught within the openers, the confuser within a
10-honeypot window (about 64 round/oval matches), the misser after about 15 small gold objects,
the spammer within 3 honeypots; the ambiguous class within about 50 items of the program.
The program is seeded (seed 1); seeds 1-6 of the same roster all flag the five faults by these
signals and no clean annotator (checked when the test was written).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.analytics.flags import fault_flags_run, resolve_rules
from apps.analytics.models import FaultFlagRun
from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.items.models import Item
from apps.jobs.models import Job
from apps.projects.models import Annotator, Cohort, LabelClass, Project
from apps.workflow.models import Alert, Assignment
from labelqc.catch import catch_spec, detect, service_view
from labelqc.simulate import SimulatedProgram, simulate_program

pytestmark = pytest.mark.django_db

ROSTER = {
    "n_clean": 6,
    "n_careful": 0,
    "mid_onset_day": None,
    "n_drifters": 0,
    "n_days": 10,
    "drift_onset_day": 5,
}
EXPECTED = {
    "A1": "size_bias",
    "A2": "size_bias",
    "A3": "class_confusion",
    "A4": "missing",
    "A5": "gold_accuracy",
}
CLEAN = [f"A{k}" for k in range(6, 12)]


@lru_cache(maxsize=2)
def planted_program(n_items: int = 1000) -> SimulatedProgram:
    return simulate_program(catch_spec(n_items, seed=1, **ROSTER))


def _shapes(frame: pd.DataFrame, project_id: int, ids: dict, source: str) -> list[Annotation]:
    now = timezone.now()
    items, classes, members = ids["items"], ids["classes"], ids["members"]
    return [
        Annotation(
            project_id=project_id,
            item_id=items[r.item_id],
            author_id=members[r.annotator_id] if source == "human" else None,
            source=source,
            label_class_id=classes[r.class_id],
            geometry_type="box",
            geometry={"x": r.x, "y": r.y, "w": r.w, "h": r.h},
            x=r.x,
            y=r.y,
            w=r.w,
            h=r.h,
            area=r.w * r.h,
            attributes={"occluded": bool(r.occluded)},
            created_at=r.created_at.to_pydatetime() if source == "human" else now,
            updated_at=now,
        )
        for r in frame.itertuples()
    ]


def load_program(program: SimulatedProgram) -> Project:
    """The program's rows in the tables, as the service would hold them (pseudonym A<id>)."""
    project = Project.objects.create(name="Planted faults")
    cohorts = {
        r.cohort_id: Cohort.objects.create(project=project, name=r.name, kind=r.kind).pk
        for r in program.cohorts.itertuples()
    }
    ids = {
        "classes": {
            cid: LabelClass.objects.create(project=project, name=label).pk
            for cid, label in program.class_names.items()
        },
        "members": {
            r.annotator_id: Annotator.objects.create(
                project=project,
                user=get_user_model().objects.create_user(f"planted-{r.annotator_id}"),
                role=Role.ANNOTATOR,
                cohort_id=cohorts[r.cohort_id],
                pseudonym=f"A{r.annotator_id}",
            ).pk
            for r in program.annotators.itertuples()
        },
    }
    Item.objects.bulk_create(
        Item(
            project=project,
            width=int(r.width),
            height=int(r.height),
            is_gold=bool(r.is_gold),
            file_name=f"{r.item_id}.jpg",
        )
        for r in program.items.itertuples()
    )
    db_items = project.items.order_by("id").values_list("id", flat=True)
    ids["items"] = dict(zip(program.items["item_id"], db_items, strict=True))
    Annotation.objects.bulk_create(
        _shapes(program.gold, project.pk, ids, "gold")
        + _shapes(program.annotations, project.pk, ids, "human"),
        batch_size=5000,
    )
    Assignment.objects.bulk_create(
        (
            Assignment(
                project_id=project.pk,
                item_id=ids["items"][t.item_id],
                annotator_id=ids["members"][t.annotator_id],
                is_gold=t.is_gold,
                status="submitted",
                slot=None if t.is_gold else index,
                leased_at=t.started_at.to_pydatetime(),
                submitted_at=t.started_at.to_pydatetime(),
            )
            for index, t in enumerate(program.tasks.itertuples())
        ),
        batch_size=5000,
    )
    return project


@pytest.fixture
def run_flags(django_capture_on_commit_callbacks):
    def run(client, project, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/api/projects/{project.pk}/fault-flags/", body, format="json")

    return run


@pytest.fixture
def qa(make_member, client_for):
    return lambda project: client_for(make_member(project, Role.QA_MANAGER, "qa-flags").user)


def _latest(client, project) -> dict:
    response = client.get(f"/api/projects/{project.pk}/fault-flags/latest/")
    assert response.status_code == 200, response.content
    return response.json()


def test_planted_faulty_annotators_and_the_ambiguous_class_are_flagged(run_flags, qa):
    program = planted_program()
    project = load_program(program)
    client = qa(project)
    response = run_flags(client, project)
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.kind == "analytics.fault_flags" and job.status == "succeeded", job.errors
    latest = _latest(client, project)
    assert latest["id"] == job.params["run"] and latest["job_status"] == "succeeded"
    result = latest["result"]
    flagged = {a["pseudonym"]: a for a in result["annotators"]}
    assert len(flagged) == 11
    for pseudonym, signal in EXPECTED.items():
        annotator = flagged[pseudonym]
        assert annotator["flagged"] and signal in annotator["signals"], annotator
        assert annotator["cohort"] and annotator["cohort_id"]
        episode = next(e for e in annotator["episodes"] if e["signal"] == signal)
        # The evidence: where in the queue it started, when, the statistic and its bound.
        assert 0 <= episode["start_seq"] <= episode["end_seq"] < annotator["n_tasks"]
        assert episode["start_seq"] <= 60, episode  # a fault from day 0 is caught early
        assert episode["value"] is not None and episode["bound"] is not None
        assert episode["detail"] and episode["start_at"] <= episode["end_at"]
        start = Assignment.objects.get(pk=episode["start_assignment"])
        assert start.annotator.pseudonym == pseudonym and start.item_id == episode["start_item"]
    assert sum(flagged[p]["flagged"] for p in CLEAN) <= 1
    assert result["counts"]["flagged_annotators"] == sum(a["flagged"] for a in flagged.values())
    classes = {c["name"]: c for c in result["classes"]}
    assert classes["irregular"]["flagged"]
    assert classes["irregular"]["episodes"][0]["value"] < 0.70
    assert sum(c["flagged"] for c in classes.values()) == 1
    assert result["counts"]["honeypots"] == int(program.tasks["is_gold"].sum())
    assert result["counts"]["labels"] == len(program.annotations)

    # The rows give the detector the same view as the simulator's own: the same episodes.
    direct = detect(service_view(program)).episodes
    expected = {(f"A{e.annotator_id}", e.signal, e.start_seq) for e in direct.itertuples()}
    stored = {
        (a["pseudonym"], e["signal"], e["start_seq"])
        for a in result["annotators"]
        for e in a["episodes"]
    }
    assert stored == expected

    # One alert per (annotator, signal, episode start); a re-run records none twice.
    alerts = Alert.objects.filter(project=project, kind="fault_flag")
    assert alerts.count() == len(stored) == result["alerts"]["created"]
    for alert in alerts:  # the planted faults last to the end: every episode is ongoing
        assert alert.details["ongoing"] and alert.resolved_at is None, alert.key
    assert {a.details["signal"] for a in alerts.filter(details__annotator__isnull=False)} >= set(
        EXPECTED.values()
    )
    again = run_flags(client, project)
    assert again.status_code == 202
    assert alerts.count() == len(stored)
    rerun = _latest(client, project)
    assert rerun["id"] != latest["id"] and rerun["result"]["alerts"] == {
        "created": 0,
        "existing": len(stored),
        "resolved": 0,
    }
    # A redelivered task message finds its job finished and changes nothing.
    before = FaultFlagRun.objects.get(pk=rerun["id"]).result
    assert fault_flags_run(rerun["id"]).result == before


def test_rule_overrides_change_what_is_flagged_and_can_be_saved(run_flags, qa):
    # A shorter program: the size bias of A1 and A2 is caught within their five openers.
    project = load_program(planted_program(400))
    client = qa(project)
    assert run_flags(client, project).status_code == 202
    default = {
        a["pseudonym"]: a["signals"] for a in _latest(client, project)["result"]["annotators"]
    }
    assert "size_bias" in default["A1"] and "size_bias" in default["A2"]
    loose = {"size_bias": {"band": 0.9}}
    assert run_flags(client, project, rules=loose, save_rules=True).status_code == 202
    first = _latest(client, project)
    assert first["params"]["rules"]["size_bias"]["band"] == 0.9
    assert first["params"]["rules"]["size_bias"]["z"] == 2.33  # defaults fill the rest
    assert all("size_bias" not in a["signals"] for a in first["result"]["annotators"])
    project.refresh_from_db()
    assert project.settings["fault_rules"] == loose
    event = AuditEvent.objects.get(project=project, action="project.fault_rules")
    assert event.after == {"fault_rules": loose} and event.before == {"fault_rules": None}
    # Stored overrides apply to later runs; a request's overrides are laid over them.
    assert run_flags(client, project, rules={"missing": {"z": 3.0}}).status_code == 202
    second = _latest(client, project)
    assert second["params"]["overrides"] == {**loose, "missing": {"z": 3.0}}
    assert all("size_bias" not in a["signals"] for a in second["result"]["annotators"])


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"size_bias": {"band": -0.1}}, "rules.size_bias.band"),
        ({"size_bias": {"bandwidth": 0.1}}, "rules.size_bias.bandwidth"),
        ({"iaa": {"min_comparisons": 2.5}}, "rules.iaa.min_comparisons"),
        ({"gold_accuracy": {"target": "high"}}, "rules.gold_accuracy.target"),
        ({"drift": {"window": "1M"}}, "rules.drift.window"),
        ({"ambiguous_class": {"include_honeypots": 1}}, "rules.ambiguous_class.include_honeypots"),
        ({"check_every_items": 0}, "rules.check_every_items"),
        ({"missing": 0.5}, "rules.missing"),
        ({"nonsense": {}}, "rules.nonsense"),
    ],
)
def test_a_bad_rule_override_is_a_400_naming_the_field(project, run_flags, qa, rules, field):
    response = run_flags(qa(project), project, rules=rules)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not FaultFlagRun.objects.exists() and not Job.objects.exists()


def test_a_bad_stored_rule_is_a_400_naming_the_setting(project, run_flags, qa):
    project.settings = {"fault_rules": {"gold_accuracy": {"target": 1.5}}}
    project.save()
    response = run_flags(qa(project), project)
    assert response.status_code == 400
    assert "settings.fault_rules.gold_accuracy.target" in response.json()


def test_rules_resolve_defaults_then_settings_then_request(project):
    project.settings = {"fault_rules": {"iaa": {"margin": 0.1, "window_items": 80}}}
    rules, merged = resolve_rules(project, {"iaa": {"margin": 0.2}, "check_every_items": 5})
    assert rules.iaa.margin == 0.2 and rules.iaa.window_items == 80
    assert rules.iaa.z == 2.33 and rules.check_every_items == 5
    assert merged == {"iaa": {"margin": 0.2, "window_items": 80}, "check_every_items": 5}


def test_a_project_with_no_work_gets_an_empty_run(project, run_flags, qa):
    client = qa(project)
    assert client.get(f"/api/projects/{project.pk}/fault-flags/latest/").status_code == 404
    assert run_flags(client, project).status_code == 202
    result = _latest(client, project)["result"]
    assert result["annotators"] == [] and result["counts"]["flagged_annotators"] == 0
    assert {c["name"] for c in result["classes"]} == {"car", "person"}


def test_a_failing_run_ends_its_job_failed_and_is_not_latest(
    simulated_project, run_flags, qa, monkeypatch
):
    def broken(view, rules):
        raise ValueError("tasks: something the detector refuses")

    monkeypatch.setattr("apps.analytics.flags.detect", broken)
    client = qa(simulated_project)
    job = Job.objects.get(pk=run_flags(client, simulated_project).json()["id"])
    assert job.status == "failed"
    assert job.errors[0]["messages"] == ["tasks: something the detector refuses"]
    assert (
        client.get(f"/api/projects/{simulated_project.pk}/fault-flags/latest/").status_code == 404
    )


def test_only_managers_run_or_read_fault_flags(
    simulated_project, run_flags, make_member, client_for
):
    url = f"/api/projects/{simulated_project.pk}/fault-flags/latest/"
    for role in (Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE):
        client = client_for(make_member(simulated_project, role).user)
        assert run_flags(client, simulated_project).status_code == 403, role
        assert client.get(url).status_code == 403, role
    assert not FaultFlagRun.objects.exists()
    for role in (Role.QA_MANAGER, Role.PROJECT_LEAD, Role.ADMIN):
        client = client_for(make_member(simulated_project, role).user)
        assert run_flags(client, simulated_project).status_code == 202, role
        latest = client.get(url)
        assert latest.status_code == 200, role
        annotators = latest.json()["result"]["annotators"]
        assert {a["pseudonym"] for a in annotators} == {f"A{k}" for k in range(1, 7)}
