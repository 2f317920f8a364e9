"""Writing audit events. Callers run inside the transaction of the change they record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.audit.models import AuditEvent
from apps.common.rows import insert


def snapshot(instance: models.Model) -> dict[str, Any]:
    """A JSON-safe dict of a row's concrete fields (foreign keys as ids)."""
    data = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        # File fields are stored by name.
        data[field.attname] = value.name if hasattr(value, "storage") else value
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _actor(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def audit(
    *,
    actor: Any,
    action: str,
    entity: models.Model,
    project: Any = None,
    project_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        project_id=project_id if project_id is not None else getattr(project, "pk", None),
        actor=_actor(actor),
        action=action,
        entity_type=entity._meta.label_lower,
        entity_id=entity.pk,
        before=before,
        after=after,
        reason=reason,
    )


@contextmanager
def audited_change(
    *,
    actor: Any,
    action: str,
    entity: models.Model,
    project_id: int | None = None,
    reason: str = "",
) -> Iterator[None]:
    """Audit an in-place update of `entity` made inside the block, before and after.

    Every audited update used to repeat snapshot-before, change, save, snapshot-after and
    audit; this keeps the two snapshots on the same row and writes the event only when the
    block ends normally. An exception inside writes nothing: it propagates and the caller's
    transaction rolls the change back. `project_id` defaults to the entity's project (its own
    pk when the entity is a project), read after the change like the event's `after`.
    """
    before = snapshot(entity)
    yield
    if project_id is None:
        project_model = AuditEvent._meta.get_field("project").related_model
        is_project = isinstance(entity, project_model)
        project_id = entity.pk if is_project else entity.project_id  # type: ignore[attr-defined]
    audit(
        actor=actor,
        project_id=project_id,
        action=action,
        entity=entity,
        before=before,
        after=snapshot(entity),
        reason=reason,
    )


def audit_many(
    *,
    actor: Any,
    project_id: int,
    action: str,
    entity_type: str,
    changes: Iterable[tuple[int, dict[str, Any] | None, dict[str, Any] | None]],
    reason: str = "",
) -> int:
    rows = [
        AuditEvent(
            project_id=project_id,
            actor=_actor(actor),
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            reason=reason,
        )
        for entity_id, before, after in changes
    ]
    insert(AuditEvent, rows)
    return len(rows)
