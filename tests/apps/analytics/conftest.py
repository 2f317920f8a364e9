from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import Annotator, Cohort, LabelClass, Project
from apps.workflow.models import Assignment
from labelqc.simulate import scaled_spec, simulate_program


@pytest.fixture
def simulated_project(db):
    """A small simulated program (synthetic scenes, planted faults) loaded straight into the tables."""
    program = simulate_program(scaled_spec(60, n_annotators=6, seed=5, n_days=6))
    project = Project.objects.create(name="Simulated")
    classes = {
        cid: LabelClass.objects.create(project=project, name=name)
        for cid, name in program.class_names.items()
    }
    cohorts = {
        int(r.cohort_id): Cohort.objects.create(project=project, name=r.name, kind=r.kind)
        for r in program.cohorts.itertuples()
    }
    members = {}
    for row in program.annotators.itertuples():
        user = get_user_model().objects.create_user(f"sim-{row.annotator_id}")
        members[int(row.annotator_id)] = Annotator.objects.create(
            project=project,
            user=user,
            role=Role.ANNOTATOR,
            cohort=cohorts[int(row.cohort_id)],
            pseudonym=f"A{row.annotator_id}",
        )
    items = {}
    for row in program.items.itertuples():
        items[int(row.item_id)] = Item.objects.create(
            project=project,
            width=int(row.width),
            height=int(row.height),
            is_gold=bool(row.is_gold),
            file_name=f"{row.item_id}.jpg",
        )
    now = timezone.now()

    def rows(frame, source):
        out = []
        for r in frame.itertuples():
            author = members.get(int(r.annotator_id))
            created = getattr(r, "created_at", None)
            out.append(
                Annotation(
                    project=project,
                    item=items[int(r.item_id)],
                    author=author if source == "human" else None,
                    source=source,
                    label_class=classes[int(r.class_id)],
                    geometry_type="box",
                    geometry={"x": r.x, "y": r.y, "w": r.w, "h": r.h},
                    x=r.x,
                    y=r.y,
                    w=r.w,
                    h=r.h,
                    area=r.w * r.h,
                    attributes={"occluded": bool(getattr(r, "occluded", False))},
                    created_at=created.to_pydatetime() if created is not None else now,
                    updated_at=now,
                )
            )
        return out

    Annotation.objects.bulk_create(rows(program.gold, "gold") + rows(program.annotations, "human"))
    tasks = program.tasks
    Assignment.objects.bulk_create(
        Assignment(
            project=project,
            item=items[int(t.item_id)],
            annotator=members[int(t.annotator_id)],
            is_gold=bool(items[int(t.item_id)].is_gold),
            status="submitted",
            slot=None if items[int(t.item_id)].is_gold else int(i),
            leased_at=t.started_at.to_pydatetime(),
            submitted_at=t.started_at.to_pydatetime(),
        )
        for i, t in enumerate(tasks.itertuples())
    )
    assert np.unique(tasks["item_id"]).size > 10
    return project


@pytest.fixture
def qa_client(simulated_project, make_member, client_for):
    return client_for(make_member(simulated_project, Role.QA_MANAGER, "qa-sim").user)
