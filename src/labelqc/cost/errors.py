"""The cost model's input error: a ValueError that names the offending field (and record)."""

from __future__ import annotations


class CostInputError(ValueError):
    """Bad cost-model input.

    ``field`` is the name of the offending input (a dataclass field or a frame column);
    ``record`` is the frame index label of the first offending row, or None for scalars.
    """

    def __init__(self, field: str, message: str, record: object | None = None) -> None:
        self.field = field
        self.record = record
        self.reason = message
        where = "" if record is None else f" (record {record!r})"
        super().__init__(f"{field}: {message}{where}")
