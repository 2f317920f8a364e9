"""Flagging agreement values that fall below a floor or a project target."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from labelqc.agreement._messages import shown
from labelqc.agreement.results import AgreementResult

DEFAULT_FLOOR = 0.70
DEFAULT_TARGET = 0.80

AgreementValue = float | AgreementResult | None


def _as_value(value: AgreementValue, key: object) -> float | None:
    if isinstance(value, AgreementResult):
        return value.value
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"agreement value for {shown(key)} is not a number: {value!r}") from error
    return None if np.isnan(number) else number


def flag_agreement(
    values: Mapping[object, AgreementValue] | pd.Series,
    *,
    target: float = DEFAULT_TARGET,
    floor: float = DEFAULT_FLOOR,
) -> pd.DataFrame:
    """Flag agreement per group (class, scene type, annotator pair, ...).

    Args:
        values: group -> agreement (a float, an AgreementResult, or None/NaN when undefined).
        target: the project's target (default 0.8); a value below it is ``below_target``.
        floor: the lowest acceptable value (default 0.70); a value below it is
            ``below_floor``. Must not exceed ``target``.

    Returns a DataFrame indexed by group with ``value`` (None when undefined),
    ``below_floor``, ``below_target`` (both False when undefined) and ``status``: one of
    "ok", "below_target", "below_floor", "undefined". Rows keep the input order.
    """
    if not -1.0 <= floor <= target <= 1.0:
        raise ValueError(f"need -1 <= floor <= target <= 1, got floor={floor}, target={target}")
    items = list(values.items())
    numbers = [_as_value(value, key) for key, value in items]
    defined = np.array([number is not None for number in numbers], dtype=bool)
    as_float = np.array([np.nan if n is None else n for n in numbers], dtype=np.float64)
    below_floor = defined & (np.nan_to_num(as_float, nan=np.inf) < floor)
    below_target = defined & (np.nan_to_num(as_float, nan=np.inf) < target)
    status = np.where(
        ~defined,
        "undefined",
        np.where(below_floor, "below_floor", np.where(below_target, "below_target", "ok")),
    )
    name = values.index.name if isinstance(values, pd.Series) else None
    index = pd.Index([key for key, _ in items], name=name or "group")
    return pd.DataFrame(
        {
            "value": pd.Series(numbers, index=index, dtype=object),
            "below_floor": below_floor,
            "below_target": below_target,
            "status": status,
        },
        index=index,
    )
