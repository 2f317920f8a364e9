"""Hand-written SELECTs for the hottest per-request reads, returning ordinary model instances.

The ORM compiles a query anew on every call, which for the one-row lookups every API request
makes (token, membership, the assignment in the URL) costs more CPU than PostgreSQL spends on
them. `ModelColumns` builds the SQL column list once from a model's fields and turns a row
slice back into an instance the same way a queryset would (including `from_db_value`
conversions such as JSON), so callers stay with model objects and the schema stays in models.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import Field, Model


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


class ModelColumns:
    """The columns of `fields` (default: every concrete field) of a model under a table alias."""

    def __init__(self, model: type[Model], alias: str, fields: Sequence[str] | None = None):
        self.model = model
        self.alias = alias
        self.field_names = tuple(fields) if fields is not None else None

    @cached_property
    def fields(self) -> list[Field]:
        meta = self.model._meta
        if self.field_names is None:
            return list(meta.concrete_fields)
        wanted = {meta.get_field(name).attname for name in self.field_names}
        # Model.from_db takes a subset of fields in the model's own field order.
        return [f for f in meta.concrete_fields if f.attname in wanted]

    @cached_property
    def sql(self) -> str:
        return ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)

    @cached_property
    def _converters(self) -> list[tuple[int, Any, Any]]:
        # The backend's converters (SQLite's datetimes, say) then the field's, as a queryset does.
        found = []
        for index, field in enumerate(self.fields):
            column = field.get_col(self.alias)
            for convert in connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            ):
                found.append((index, convert, column))
        return found

    @cached_property
    def _attnames(self) -> list[str]:
        return [f.attname for f in self.fields]

    def __len__(self) -> int:
        return len(self.fields)

    def build(self, values: Sequence[Any]) -> Any:
        values = list(values)
        for index, convert, column in self._converters:
            values[index] = convert(values[index], column, connection)
        return self.model.from_db(connection.alias, self._attnames, values)


def _build_row(row: Sequence[Any], parts: Sequence[ModelColumns]) -> tuple[Any, ...]:
    """One instance per part from a row whose columns list the parts in order."""
    built, start = [], 0
    for part in parts:
        built.append(part.build(row[start : start + len(part)]))
        start += len(part)
    return tuple(built)


def cursor() -> Any:
    """A cursor for these fixed statements.

    On PostgreSQL it binds parameters server-side, so psycopg prepares each statement after a
    few uses on a connection and PostgreSQL stops re-planning it (Django's own cursors inline
    parameters client-side). Wrapped like Django's, so errors are Django's (IntegrityError...).
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg
    from django.db.backends.utils import CursorWrapper

    connection.ensure_connection()
    return CursorWrapper(psycopg.Cursor(connection.connection), connection)


def fetch_all(sql: str, params: Any, *parts: ModelColumns) -> list[tuple[Any, ...]]:
    """Run `sql` (its SELECT lists `parts` in order): one tuple of instances per row."""
    with cursor() as cursor_:
        cursor_.execute(sql, params)
        rows = cursor_.fetchall()
    return [_build_row(row, parts) for row in rows]


def fetch_one(sql: str, params: Any, *parts: ModelColumns) -> tuple[Any, ...] | None:
    """Run `sql` (its SELECT lists `parts` in order) and build one instance per part, or None."""
    with cursor() as cursor_:
        cursor_.execute(sql, params)
        row = cursor_.fetchone()
    return None if row is None else _build_row(row, parts)


def insert(model: type[Model], objects: Sequence[Model], batch_size: int = 2000) -> list[Model]:
    """`bulk_create` for new instances with an auto primary key, minus its per-call compile.

    Values go through each field's `pre_save` (auto_now_add) and `get_db_prep_save` (JSON...)
    exactly as the ORM's insert does; ids come back through RETURNING and are set on the objects.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if not objects:
        return []
    head = f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(fields, objects)))
    with cursor() as cursor_:
        for start in range(0, len(objects), size):
            batch = objects[start : start + size]
            params = [
                field.get_db_prep_save(field.pre_save(obj, True), connection)
                for obj in batch
                for field in fields
            ]
            cursor_.execute(head + ", ".join([row_sql] * len(batch)) + " RETURNING id", params)
            for obj, (pk,) in zip(batch, cursor_.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias
    return list(objects)
