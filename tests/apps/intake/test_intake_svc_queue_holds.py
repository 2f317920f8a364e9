"""Held items and items of unreleased batches never reach the annotator queue."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from apps.intake.models import Batch, BatchItem
from apps.items.models import Item
from apps.workflow.models import Assignment
from apps.workflow.services.queue import ensure_slots, pull_next

pytestmark = pytest.mark.django_db


def test_queue_skips_held_and_unreleased_items(project, make_member):
    project.honeypot_initial_count = 0
    project.honeypot_rate = 0.0
    project.save()
    released = Batch.objects.create(project=project, name="week 1", status="released")
    draft = Batch.objects.create(project=project, name="week 2", status="draft")
    served, held, unreleased = (
        Item.objects.create(project=project, width=10, height=10, file_name=f"{name}.jpg")
        for name in ("served", "held", "unreleased")
    )
    BatchItem.objects.create(batch=released, item=served)
    BatchItem.objects.create(batch=released, item=held, held=True)
    BatchItem.objects.create(batch=draft, item=unreleased)
    loose = Item.objects.create(project=project, width=10, height=10, file_name="no-batch.jpg")
    # A slot that existed before the hold must not be served either.
    Assignment.objects.create(project=project, item=held, slot=0)
    ensure_slots(project_id=project.pk)
    member = make_member(project, Role.ANNOTATOR)
    seen = set()
    while (assignment := pull_next(member=member)) is not None:
        Assignment.objects.filter(pk=assignment.pk).update(status="submitted")
        seen.add(assignment.item_id)
    assert seen == {served.pk, loose.pk}
