"""The cost model's defaults for new rate cards, scenarios, budgets and reports.

Read from configs/cost_defaults.yaml (a settings attribute LABELQC_COST_DEFAULTS may name
another file) and validated at load: a missing or out-of-range value is an ImproperlyConfigured
error naming its key, never a silent fallback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from labelqc.cost.defaults import DEFAULT_REVIEW_COST_RATIO

PERIODS: tuple[str, ...] = ("D", "W", "M", "Q")
CARD_FIELDS: tuple[str, ...] = (
    "correction_effort",
    "engineering_cost_per_batch",
    "batch_size",
    "remediation_cost_per_escape",
)
ASSUMPTION_FIELDS: tuple[str, ...] = ("review_share", "review_recall")


@dataclass(frozen=True)
class CostDefaults:
    currency: str
    rate_card: dict[str, float]
    assumptions: dict[str, float]
    review_cost_ratio: float
    confidence: float
    period: str


def defaults_path() -> Path:
    configured = getattr(settings, "LABELQC_COST_DEFAULTS", None)
    return Path(configured) if configured else settings.BASE_DIR / "configs" / "cost_defaults.yaml"


def _number(section: dict[str, Any], key: str, where: str, low: float, high: float | None) -> float:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ImproperlyConfigured(f"{where}.{key}: must be a finite number, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ImproperlyConfigured(f"{where}.{key}: must be in [{low}, {high or 'inf'}]")
    return float(value)


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    section = data.get(key)
    if not isinstance(section, dict):
        raise ImproperlyConfigured(f"{key}: must be a mapping in the cost defaults file")
    return section


@lru_cache(maxsize=4)
def load_cost_defaults(path: Path) -> CostDefaults:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ImproperlyConfigured(f"cannot read cost defaults {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{path}: must hold a mapping")
    card, assumptions = _section(data, "rate_card"), _section(data, "assumptions")
    forecast = _section(data, "forecast")
    rate_card = {
        key: _number(card, key, "rate_card", 0.0, None)
        for key in CARD_FIELDS
        if key != "batch_size"
    }
    rate_card["batch_size"] = _number(card, "batch_size", "rate_card", 1e-9, None)
    ratio = _number(assumptions, "review_cost_ratio", "assumptions", 0.0, None)
    if not math.isclose(ratio, DEFAULT_REVIEW_COST_RATIO):
        raise ImproperlyConfigured(
            f"assumptions.review_cost_ratio: is fixed by labelqc.cost "
            f"(DEFAULT_REVIEW_COST_RATIO = {DEFAULT_REVIEW_COST_RATIO}); give a reviewer rate "
            "on the rate card instead of changing it here"
        )
    currency = data.get("currency")
    if not isinstance(currency, str) or not 1 <= len(currency.strip()) <= 8:
        raise ImproperlyConfigured(f"currency: must be a short label, got {currency!r}")
    period = forecast.get("period")
    if period not in PERIODS:
        raise ImproperlyConfigured(f"forecast.period: must be one of {PERIODS}, got {period!r}")
    confidence = _number(forecast, "confidence", "forecast", 0.0, 1.0)
    if not 0.0 < confidence < 1.0:
        raise ImproperlyConfigured("forecast.confidence: must be strictly between 0 and 1")
    return CostDefaults(
        currency=currency.strip(),
        rate_card=rate_card,
        assumptions={
            key: _number(assumptions, key, "assumptions", 0.0, 1.0) for key in ASSUMPTION_FIELDS
        },
        review_cost_ratio=ratio,
        confidence=confidence,
        period=period,
    )


def cost_defaults() -> CostDefaults:
    return load_cost_defaults(defaults_path())
