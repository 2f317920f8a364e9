"""OpenAPI generation (drf-spectacular) with descriptions that belong to the operation."""

from __future__ import annotations

import inspect

from drf_spectacular.openapi import AutoSchema


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
