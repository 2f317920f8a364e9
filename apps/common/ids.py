"""Database ids at the boundary: in URLs and request bodies, bounded to what the database holds.

Ids are bigints (SQLite's INTEGER, PostgreSQL's bigint): 1 .. 2**63 - 1. A larger number must be
a 404 (URL) or a 400 naming the field (body, query), not an overflow inside a query (500).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

MAX_ID = 2**63 - 1
# Largest value of an IntegerField / PositiveIntegerField column (PostgreSQL integer).
MAX_INT = 2**31 - 1


class IdConverter:
    """The `<id:name>` path converter: a positive id; anything larger matches no route."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError(f"{value} is not a database id")  # Django: this route does not match
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


class IdField(serializers.IntegerField):
    """An id in a request body or query: 1 .. MAX_ID unless the caller narrows it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
