"""The queue's hot statements, written once as SQL.

Every pull runs "what does this annotator hold?" and, usually, "lease them the next slot"; every
assignment endpoint loads its assignment and the caller's membership. The ORM would rebuild and
recompile these on every request, which costs more CPU than PostgreSQL spends running them; here
each is one round trip that also returns the item the payload needs:

- `held` (any database): the annotator's rework first (leased anew when its lease ran out),
  then their unexpired lease.
- `claim` (PostgreSQL): `UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1)
  RETURNING`, joined to the item, so concurrent pullers never wait on, or get, the same slot;
  items the member skipped are left out, or picked alone once nothing else is left.
- `with_item_and_membership` (any database): an assignment, its item and the caller's membership.

Table and column names come from the models, so a renamed field breaks the statements loudly
(tests run them on PostgreSQL) rather than silently.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.db import connection

from apps.common.rows import ModelColumns, fetch_one, table
from apps.items.models import Item
from apps.projects.models import Annotator, Project
from apps.projects.selectors import MEMBER, PROJECT
from apps.workflow.models import Assignment, AssignmentStatus, SkippedItem

# Items an intake batch holds back: flagged or dropped ones, and all of a batch not yet released.
UNRELEASED_BATCH_STATUSES = ("draft", "screening")
ASSIGNMENT = ModelColumns(Assignment, "a")
# What the queue payload and the submit validation need of the item.
ITEM = ModelColumns(Item, "i", ("id", "project_id", "width", "height", "file", "uri"))


def _literal(status: AssignmentStatus) -> str:
    # Statuses are written into the SQL, not bound: the planner can then match them against the
    # partial index on held rows (assign_held) even in a prepared statement's generic plan.
    assert status.value.isalpha()
    return f"'{status.value}'"


REWORK, LEASED, OPEN = (
    _literal(s) for s in (AssignmentStatus.REWORK, AssignmentStatus.LEASED, AssignmentStatus.OPEN)
)


def _with_item(where_sql: str) -> str:
    return (
        f"SELECT {ASSIGNMENT.sql}, {ITEM.sql} FROM {table(Assignment)} a"
        f" JOIN {table(Item)} i ON i.id = a.item_id WHERE {where_sql}"
    )


@cache
def _held_sql() -> str:
    return _with_item(
        f"a.annotator_id = %(member)s AND (a.status = {REWORK}"
        f" OR (a.status = {LEASED} AND a.lease_expires_at > %(now)s))"
        f" ORDER BY CASE WHEN a.status = {REWORK} THEN 0 ELSE 1 END, a.id LIMIT 1"
    )


@cache
def _claim_sql(expired: bool, skipped: bool) -> str:
    membership = Item._meta.get_field("batch_membership").related_model
    batch = membership._meta.get_field("batch").related_model
    available = (
        f"c.status = {LEASED} AND c.lease_expires_at <= %(now)s"
        if expired
        else f"c.status = {OPEN}"
    )
    # Items the member skipped: left out, or (once nothing else is left) the only candidates,
    # the longest-skipped first.
    skip = f"{table(SkippedItem)} k"
    skip_match = "k.annotator_id = %(member)s AND k.item_id = c.item_id"
    pick = (
        f"SELECT c.id FROM {table(Assignment)} c"
        + (f" JOIN {skip} ON {skip_match}" if skipped else "")
        + f" WHERE c.project_id = %(project)s AND NOT c.is_gold AND {available}"
        f" AND NOT EXISTS (SELECT 1 FROM {table(Assignment)} s"
        " WHERE s.annotator_id = %(member)s AND s.item_id = c.item_id)"
        f" AND NOT EXISTS (SELECT 1 FROM {table(membership)} b"
        f" JOIN {table(batch)} t ON t.id = b.batch_id"
        " WHERE b.item_id = c.item_id AND (b.held OR t.status = ANY(%(unreleased)s)))"
        + ("" if skipped else f" AND NOT EXISTS (SELECT 1 FROM {skip} WHERE {skip_match})")
        + " ORDER BY "
        + ("k.skipped_at, " if skipped else "")
        + "c.priority DESC, c.id LIMIT 1 FOR UPDATE OF c SKIP LOCKED"
    )
    return (
        f"WITH a AS (UPDATE {table(Assignment)} SET annotator_id = %(member)s,"
        f" status = {LEASED}, leased_at = %(now)s, lease_expires_at = %(expires)s"
        f" WHERE id = ({pick}) RETURNING *)"
        f" SELECT {ASSIGNMENT.sql}, {ITEM.sql} FROM a JOIN {table(Item)} i ON i.id = a.item_id"
    )


def _assignment(sql: str, params: dict[str, Any]) -> Assignment | None:
    found = fetch_one(sql, params, ASSIGNMENT, ITEM)
    if found is None:
        return None
    assignment, item = found
    assignment.item = item
    return assignment


@cache
def _with_item_and_membership_sql() -> str:
    return (
        f"SELECT {ASSIGNMENT.sql}, {ITEM.sql}, {MEMBER.sql}, {PROJECT.sql}"
        f" FROM {table(Assignment)} a JOIN {table(Item)} i ON i.id = a.item_id"
        f" JOIN {table(Project)} p ON p.id = a.project_id"
        f" LEFT JOIN {table(Annotator)} m"
        " ON m.project_id = a.project_id AND m.user_id = %(user)s AND m.is_active"
        " WHERE a.id = %(id)s"
    )


def with_item_and_membership(
    assignment_id: int, user_id: int | None
) -> tuple[Assignment, Annotator | None] | None:
    """An assignment with its item, and the user's active membership of its project (any database)."""
    found = fetch_one(
        _with_item_and_membership_sql(),
        {"id": assignment_id, "user": user_id},
        ASSIGNMENT,
        ITEM,
        MEMBER,
        PROJECT,
    )
    if found is None:
        return None
    assignment, item, member, project = found
    assignment.item = item
    if member.pk is None:  # no membership: the LEFT JOIN's columns are all NULL
        return assignment, None
    member.project = project
    return assignment, member


def held(member_id: int, now: datetime) -> Assignment | None:
    """The annotator's current work (rework first, then an unexpired lease), with its item.

    Rework is served without a current lease (its lease ran out while the submission waited for
    review): serving it leases it anew, as a fresh claim would, so the redo's time and lease
    start now. A rework lease still running is returned as is, like any held lease.
    """
    # Prepared by the field, so SQLite compares it in the format it stores (any database).
    expiry = Assignment._meta.get_field("lease_expires_at").get_db_prep_value(now, connection)
    found = _assignment(_held_sql(), {"member": member_id, "now": expiry})
    if (
        found is not None
        and found.status == AssignmentStatus.REWORK
        and (found.lease_expires_at is None or found.lease_expires_at <= now)
    ):
        _renew_rework(found, now)
    return found


def _renew_rework(assignment: Assignment, now: datetime) -> None:
    # Rare (once per rework cycle), so the ORM: the project's lease length and one UPDATE.
    minutes = Project.objects.values_list("lease_minutes", flat=True).get(pk=assignment.project_id)
    lease = {"leased_at": now, "lease_expires_at": now + timedelta(minutes=minutes)}
    Assignment.objects.filter(
        pk=assignment.pk, annotator_id=assignment.annotator_id, status=AssignmentStatus.REWORK
    ).update(**lease)
    for field, value in lease.items():
        setattr(assignment, field, value)


def claim(
    *,
    project_id: int,
    member_id: int,
    now: datetime,
    expires: datetime,
    expired: bool,
    skipped: bool = False,
) -> Assignment | None:
    """Lease the best open slot (or, with `expired`, a slot whose lease ran out) to the member:
    of the items they have not skipped, or with `skipped` of those they have."""
    return _assignment(
        _claim_sql(expired, skipped),
        {
            "project": project_id,
            "member": member_id,
            "now": now,
            "expires": expires,
            "unreleased": list(UNRELEASED_BATCH_STATUSES),
        },
    )
