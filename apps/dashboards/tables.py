"""Page tables: one definition renders as HTML (sortable, filterable) and downloads as CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from django.http import HttpResponse

from apps.common.spreadsheets import formula_safe

MISSING = "\u2013"  # an en dash stands for "no value"
Kind = Literal["text", "int", "number", "percent", "date", "bool"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"
    digits: int = 3


@dataclass(frozen=True)
class RowAction:
    """A button on every row that POSTs `body` to `url` (filled from the row, e.g.
    "/api/alerts/{id}/resolve/"); the row then says `done` instead of its buttons. With `hide_if`
    (key, value) the button is left out of rows where row[key] == value."""

    label: str
    url: str
    done: str
    body: dict[str, Any] = field(default_factory=dict)
    hide_if: tuple[str, Any] | None = None

    def shown(self, row: dict[str, Any]) -> bool:
        return self.hide_if is None or row.get(self.hide_if[0]) != self.hide_if[1]


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str = ""
    empty: str = "No rows for these filters."
    extra: dict[str, Any] = field(default_factory=dict)
    actions: tuple[RowAction, ...] = ()

    def cells(self) -> list[list[tuple[str, str, Any]]]:
        """Per row: (display text, css kind, sort value) for each column."""
        return [[_cell(row.get(c.key), c) for c in self.columns] for row in self.rows]

    def rendered_rows(self) -> list[dict[str, Any]]:
        """Per row: its cells, and its action buttons (label, url, JSON body, done text)."""
        buttons = [
            [
                (a.label, a.url.format(**row), json.dumps(a.body), a.done)
                for a in self.actions
                if a.shown(row)
            ]
            for row in self.rows
        ]
        return [{"cells": c, "actions": b} for c, b in zip(self.cells(), buttons, strict=True)]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _cell(value: Any, column: Column) -> tuple[str, str, Any]:
    if _missing(value):
        return MISSING, column.kind, ""
    if column.kind == "percent":
        return f"{100 * float(value):.1f}%", column.kind, float(value)
    if column.kind == "number":
        return f"{float(value):,.{column.digits}f}", column.kind, float(value)
    if column.kind == "int":
        return f"{int(value):,}", column.kind, int(value)
    if column.kind == "bool":
        return ("yes" if value else "no"), column.kind, int(bool(value))
    if column.kind == "date":
        text = value.isoformat(timespec="minutes") if hasattr(value, "isoformat") else str(value)
        return text.replace("T", " ").replace("+00:00", ""), column.kind, text
    return str(value), column.kind, str(value)


def _csv_value(value: Any) -> Any:
    if _missing(value):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    return formula_safe(value)


def csv_response(table: Table, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(row.get(c.key)) for c in table.columns])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


@dataclass
class PageData:
    """What a page selector returns: tables (also CSV), plotly figures, and other context."""

    tables: dict[str, Table] = field(default_factory=dict)
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def add(self, table: Table) -> Table:
        self.tables[table.name] = table
        return table
