"""Writes of the intake app: batches, screening, sampling plans, inspections, trends."""

from apps.intake.services.batches import (
    batch_add_items,
    batch_add_uploads,
    batch_create,
    batch_delete,
    batch_item_decide,
    batch_release,
    batch_update,
)
from apps.intake.services.inspection import (
    defects_mark,
    inspection_decide,
    inspection_start,
    reference_submit,
)
from apps.intake.services.plans import core_plan, plan_payload, plan_set
from apps.intake.services.screening import (
    screening_run,
    screening_start,
    settings_of,
    settings_set,
)
from apps.intake.services.trends import defect_trends

__all__ = [
    "batch_add_items",
    "batch_add_uploads",
    "batch_create",
    "batch_delete",
    "batch_item_decide",
    "batch_release",
    "batch_update",
    "core_plan",
    "defect_trends",
    "defects_mark",
    "inspection_decide",
    "inspection_start",
    "plan_payload",
    "plan_set",
    "reference_submit",
    "screening_run",
    "screening_start",
    "settings_of",
    "settings_set",
]
