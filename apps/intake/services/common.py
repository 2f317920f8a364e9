"""Helpers shared by the intake services: errors from the core, and audit of batch items."""

from __future__ import annotations

import re
from typing import Any

from apps.audit.services import snapshot
from apps.common.exceptions import ServiceValidationError
from apps.intake.models import Batch, BatchStatus
from labelqc.intake import IntakeInputError

FIELD = re.compile(r"[A-Za-z_][\w.\[\]]*")


def from_core(
    error: IntakeInputError, *, prefix: str = "", field: str | None = None
) -> ServiceValidationError:
    """labelqc.intake says "field: message" (or "a / b: ..."); a 400 naming the field(s)."""
    text = str(error)
    name, sep, message = text.partition(": ")
    names = [part for part in re.split(r"\s*[/+]\s*", name.strip()) if part]
    if field is not None or not sep or not all(FIELD.fullmatch(part) for part in names):
        names, message = [field or "non_field_errors"], text
    return ServiceValidationError({f"{prefix}{n}": [message] for n in names})


def require_status(batch: Batch, allowed: tuple[str, ...], action: str) -> None:
    if batch.status not in allowed:
        names = ", ".join(BatchStatus(s).value for s in allowed)
        raise ServiceValidationError(
            f"cannot {action} a batch that is {batch.status} (only when {names})", field="status"
        )


def member_snapshot(membership: Any) -> dict[str, Any]:
    data = snapshot(membership)
    keep = (
        "id",
        "batch_id",
        "item_id",
        "held",
        "flags",
        "suggestion",
        "decision",
        "decided_by_id",
        "near_group",
        "exact_group",
        "duplicate_of_id",
    )
    return {key: data[key] for key in keep}
