"""Seed the demo project from the program simulator over real photographs.

The photographs ship inside scikit-image; ground truth is derived from them deterministically
by `labelqc.simulate`, and simulated annotators with known, planted behaviours label them over
several days. Everything goes through the same services the API uses, so it is validated and
audited like real work.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from apps.analytics.services import report_start
from apps.annotations.services import annotations_bulk_create
from apps.common.roles import Role
from apps.costs.services import seed_demo_costs
from apps.costs.services.reports import report_start as cost_report_start
from apps.demo.intake import seed_demo_delivery
from apps.demo.workflow import (
    detector_records,
    open_review_tasks,
    open_reviews_wait_since_submission,
    seed_program_in_flight,
    start_first_round,
)
from apps.items.models import Item
from apps.projects.models import Annotator, Cohort, LabelClass, Project
from apps.projects.services import project_delete
from apps.workflow.models import Assignment, Review
from labelqc.quality import score_against_gold
from labelqc.simulate import DEMO_IMAGE_NAMES, SimulatedProgram, demo_spec, simulate_program

DEMO_PROJECT = "Demo: shapes in photographs"
DEMO_PASSWORD = "labelqc-demo"
STAFF = (
    ("admin", None),
    ("qa", Role.QA_MANAGER),
    ("lead", Role.PROJECT_LEAD),
    ("finance", Role.FINANCE),
    ("reviewer", Role.REVIEWER),
)
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def load_demo_photographs() -> tuple[list[np.ndarray], list[str]]:
    from skimage import data

    names = list(DEMO_IMAGE_NAMES)
    return [getattr(data, name)() for name in names], names


def _user(username: str, *, superuser: bool = False) -> Any:
    users = get_user_model()
    user = users.objects.filter(username=username).first()
    if user is None:
        create = users.objects.create_superuser if superuser else users.objects.create_user
        user = create(username=username, password=DEMO_PASSWORD, email=f"{username}@demo.invalid")
    return user


def _item_pixels(photo: np.ndarray, row: pd.Series) -> np.ndarray:
    """The item's pixels: the whole photograph, or the crop (and mirror) the simulator took."""
    pixels = photo
    if "crop_top" in row and pd.notna(row.get("crop_top")):
        top, left = int(row["crop_top"]), int(row["crop_left"])
        pixels = photo[top : top + int(row["height"]), left : left + int(row["width"])]
        if bool(row.get("flipped", False)):
            pixels = pixels[:, ::-1]
    return np.ascontiguousarray(pixels)


def _encode_png(pixels: np.ndarray) -> bytes:
    if pixels.dtype != np.uint8:
        values = pixels.astype(np.float64)
        values = 255 * (values - values.min()) / max(float(np.ptp(values)), 1e-9)
        pixels = values.astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def _records(
    frame: pd.DataFrame, items: dict[int, int], classes: dict[int, int], **fixed: Any
) -> list[dict]:
    records = []
    for row in frame.itertuples(index=False):
        rle = getattr(row, "rle", None)
        if isinstance(rle, dict) and fixed.get("source") == "gold":
            geometry_type, geometry = "mask", {"rle": rle}
        else:
            geometry_type = "box"
            geometry = {"x": float(row.x), "y": float(row.y), "w": float(row.w), "h": float(row.h)}
        attributes = {
            key: bool(getattr(row, key)) for key in ("occluded", "truncated") if hasattr(row, key)
        }
        created_at = getattr(row, "created_at", None)
        records.append(
            {
                "item": items[int(row.item_id)],
                "label_class": classes[int(row.class_id)],
                "geometry_type": geometry_type,
                "geometry": geometry,
                "attributes": attributes,
                "created_at": created_at.to_pydatetime(warn=False)
                if created_at is not None and pd.notna(created_at)
                else None,
                **fixed,
            }
        )
    return records


@transaction.atomic
def seed_demo(*, reset: bool = False, n_items: int | None = None) -> Project:
    existing = Project.objects.filter(name=DEMO_PROJECT).first()
    if existing is not None and not reset:
        return existing
    if existing is not None:
        project_delete(actor=None, project=existing)

    photos, names = load_demo_photographs()
    spec = demo_spec() if n_items is None else demo_spec(n_items=n_items)
    program: SimulatedProgram = simulate_program(spec, images=photos, image_names=names)
    admin = _user("admin", superuser=True)

    project = Project.objects.create(
        name=DEMO_PROJECT,
        description="Simulated program over scikit-image's sample photographs, with planted "
        "annotator faults (loose boxes, missed small objects, class confusion, drift, "
        "rubber-stamped drafts).",
        overlap=3,
    )
    classes = {
        class_id: LabelClass.objects.create(
            project=project, name=name, color=CLASS_COLORS[class_id % len(CLASS_COLORS)]
        ).pk
        for class_id, name in sorted(program.class_names.items())
    }
    cohorts = {
        int(row.cohort_id): Cohort.objects.create(
            project=project, name=row.name, kind=row.kind, vendor=row.vendor or ""
        )
        for row in program.cohorts.itertuples(index=False)
    }
    for username, role in STAFF:
        user = _user(username, superuser=username == "admin")
        if role is not None:
            Annotator.objects.create(project=project, user=user, role=role, pseudonym=username)
    members = {}
    for row in program.annotators.itertuples(index=False):
        user = _user(row.name.lower())
        members[int(row.annotator_id)] = Annotator.objects.create(
            project=project,
            user=user,
            role=Role.ANNOTATOR,
            cohort=cohorts[int(row.cohort_id)],
            pseudonym=f"A-{int(row.annotator_id):02d}",
        ).pk

    photo_by_name = dict(zip(names, photos, strict=True))
    items: dict[int, int] = {}
    for _, row in program.items.iterrows():
        data = _encode_png(_item_pixels(photo_by_name[row["source_image"]], row))
        sha256 = hashlib.sha256(data).hexdigest()
        item = Item(
            project=project,
            width=int(row["width"]),
            height=int(row["height"]),
            sha256=sha256,
            file_name=f"{row['source_image']}-{int(row['item_id']):04d}.png",
            scene_tags=list(row["scene_tags"]),
            is_gold=bool(row["is_gold"]),
        )
        item.file.save(item.file_name, ContentFile(data), save=False)
        item.save()
        items[int(row["item_id"])] = item.pk

    offset = _time_offset(program)
    gold = _records(program.gold, items, classes, source="gold")
    annotations = program.annotations.assign(
        author=program.annotations["annotator_id"].map(members),
        created_at=program.annotations["created_at"] + offset,
    )
    human = _records(annotations, items, classes, source="human")
    for record, author in zip(human, annotations["author"], strict=True):
        record["author"] = int(author)
    drafts = detector_records(program, items, classes, offset)
    annotations_bulk_create(
        actor=admin,
        project_id=project.pk,
        records=gold + human + drafts,
        role=Role.ADMIN,
        member=None,
        reason="demo seed",
    )
    _seed_workflow(project, program, items, members, offset)
    seed_program_in_flight(project, actor=admin)
    seed_demo_costs(project, actor=admin)
    start_first_round(project, actor=admin)
    seed_demo_delivery(project, photo_by_name, actor=admin)

    def first_reports() -> None:
        report_start(actor=admin, project_id=project.pk, filters={})
        cost_report_start(actor=admin, project_id=project.pk, params={})

    transaction.on_commit(first_reports)
    return project


def _time_offset(program: SimulatedProgram) -> pd.Timedelta:
    """Shift the simulated calendar so the program's last day is today."""
    last = program.tasks["started_at"].max()
    if len(program.reviews):
        last = max(last, program.reviews["reviewed_at"].max())
    now = pd.Timestamp(timezone.now())
    return (now - pd.Timedelta(hours=1)).floor("D") - last.floor("D")


def _gold_accuracy(program: SimulatedProgram) -> dict[tuple[int, int], float]:
    """Each honeypot submission scored against gold, as the service scores a live one."""
    gold_tasks = program.tasks[program.tasks["is_gold"]]
    if gold_tasks.empty:
        return {}
    on_gold = program.annotations[program.annotations["item_id"].isin(gold_tasks["item_id"])]
    table = score_against_gold(
        program.gold,
        on_gold,
        0.5,
        by=("item_id", "annotator_id"),
        assignments=gold_tasks[["item_id", "annotator_id"]],
    )
    return {
        (int(r.item_id), int(r.annotator_id)): float(r.accuracy)
        for r in table.itertuples()
        if pd.notna(r.accuracy)
    }


def _seed_workflow(
    project: Project,
    program: SimulatedProgram,
    items: dict[int, int],
    members: dict[int, int],
    offset: pd.Timedelta,
) -> None:
    """Assignments (with time spent and honeypot scores) and review decisions of the simulation."""
    accuracy = _gold_accuracy(program)
    reviews = program.reviews
    rework = reviews[reviews["decision"] == "reject"].groupby("task_id").size().to_dict()
    slots: dict[int, int] = {}
    assignments = []
    for task in program.tasks.itertuples(index=False):
        item_id, annotator = int(task.item_id), int(task.annotator_id)
        leased = (task.started_at + offset).to_pydatetime(warn=False)
        spent = pd.Timedelta(seconds=float(task.time_spent_s))
        slot = None
        if not task.is_gold:
            slot = slots.get(item_id, 0)
            slots[item_id] = slot + 1
        assignments.append(
            Assignment(
                project=project,
                item_id=items[item_id],
                annotator_id=members[annotator],
                is_gold=bool(task.is_gold),
                slot=slot,
                status="submitted",
                leased_at=leased,
                lease_expires_at=leased,
                submitted_at=(task.started_at + offset + spent).to_pydatetime(warn=False),
                server_seconds=float(task.time_spent_s),
                client_seconds=round(float(task.time_spent_s) * 0.95, 1),
                rework_cycles=int(rework.get(int(task.task_id), 0)),
                gold_accuracy=accuracy.get((item_id, annotator)) if task.is_gold else None,
            )
        )
    created = Assignment.objects.bulk_create(assignments)
    by_task = {int(t): a.pk for t, a in zip(program.tasks["task_id"], created, strict=True)}
    reviewer = Annotator.objects.get(project=project, role=Role.REVIEWER)
    still_open = open_review_tasks(program)
    last_cycle = reviews.groupby("task_id")["cycle"].max().to_dict() if len(reviews) else {}

    def review_of(r: Any) -> Review:
        assignment_id = by_task[int(r.task_id)]
        if int(r.task_id) in still_open and int(r.cycle) == last_cycle[r.task_id]:
            return Review(project=project, assignment_id=assignment_id, cycle=int(r.cycle))
        return Review(
            project=project,
            assignment_id=assignment_id,
            cycle=int(r.cycle),
            reviewer=reviewer,
            status="approved" if r.decision == "approve" else "rejected",
            reason="" if r.decision == "approve" else "boxes do not follow the guideline",
            decided_at=(r.reviewed_at + offset).to_pydatetime(warn=False),
        )

    Review.objects.bulk_create(review_of(r) for r in reviews.itertuples(index=False))
    open_reviews_wait_since_submission(project)
