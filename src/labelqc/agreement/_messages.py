"""Readable values in error messages (numpy scalars would print as np.int64(3))."""

from __future__ import annotations

import numpy as np


def shown(value: object) -> str:
    """repr of ``value`` with numpy scalars (also inside tuples) turned into Python ones."""
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, tuple):
        return "(" + ", ".join(shown(part) for part in value) + ")"
    return repr(value)
