"""Plain Python values from numpy / pandas scalars, for JSON and the database."""

from __future__ import annotations

from typing import Any

import pandas as pd


def plain(value: Any) -> Any:
    """A JSON-ready Python value from a numpy / pandas scalar (NA and NaN -> None)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value
