"""Request bodies and query strings without NUL characters.

PostgreSQL stores no NUL in text or jsonb (psycopg refuses the value, jsonb the \\u0000 escape),
and serializers' CharFields already refuse it, but free-form JSON (attributes, settings) and
query parameters read directly would reach the database with it and fail there as a 500. So the
JSON parser and every API view refuse it up front with a 400 naming where it was.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ValidationError

NUL = "\x00"
MESSAGE = "must not contain NUL (\\u0000) characters"


def _paths_with_nul(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield where.replace(NUL, "\\u0000")
            else:
                yield from _paths_with_nul(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_with_nul(item, f"{path}[{index}]")


def first_path_with_nul(value: Any) -> str | None:
    return next(_paths_with_nul(value, ""), None)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a NUL character anywhere in the document (400 naming it)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        raw = stream.read()
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        # JSON cannot hold a raw NUL, only the escape: walk the document only when it has one
        if b"\\u0000" in raw:
            path = first_path_with_nul(data)
            if path is not None:
                raise ValidationError({path or "non_field_errors": [MESSAGE]})
        return data


def check_query_params(params: Mapping[str, Any]) -> None:
    for key in params:
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        if NUL in key or any(NUL in str(v) for v in values):
            raise ValidationError({key.replace(NUL, "\\u0000"): [MESSAGE]})
