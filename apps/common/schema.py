"""OpenAPI generation (drf-spectacular): descriptions that belong to the operation, and the
schemas of settings objects."""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields, is_dataclass
from typing import Any

from drf_spectacular.openapi import AutoSchema

# JSON type of a settings value by its Python type (bool before int: JSON true is no integer).
JSON_TYPES: dict[type, str] = {bool: "boolean", int: "integer", float: "number", str: "string"}


class ApiSchema(AutoSchema):
    """Describe an operation by its handler's docstring, else its own view class's docstring.

    The stock schema falls back to an inherited class docstring, so every endpoint without
    one was described as its base class (RoleScopedApi's "An endpoint inside one project").
    """

    def get_description(self) -> str:
        handler = getattr(
            self.view, getattr(self.view, "action", None) or self.method.lower(), None
        )
        handler_doc = inspect.getdoc(handler) if handler is not None else None
        own_doc = type(self.view).__dict__.get("__doc__")
        return handler_doc or (inspect.cleandoc(own_doc) if own_doc else "")


def settings_object_schema(cls: type) -> dict[str, Any]:
    """The schema of overrides of a settings dataclass: its fields, typed by their defaults
    (nested dataclasses as objects), none required, no other keys (the services refuse them)."""
    properties: dict[str, Any] = {}
    for item in fields(cls):
        default = item.default_factory() if item.default is MISSING else item.default
        if is_dataclass(default):
            properties[item.name] = settings_object_schema(type(default))
        else:
            properties[item.name] = {"type": JSON_TYPES[type(default)]}
    return {"type": "object", "properties": properties, "additionalProperties": False}
