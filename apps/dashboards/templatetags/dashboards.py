"""Template helpers: CSV links that keep the page's filters, chart placeholders, figures JSON."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString

from apps.dashboards.figures import FiniteJSONEncoder
from apps.dashboards.tables import MISSING, Table

register = template.Library()


@register.simple_tag(takes_context=True)
def csv_url(context: dict[str, Any], table: Table) -> str:
    """This page's URL with its filters, as CSV of one table."""
    query = context.get("filter_query") or ""
    extra = {"format": "csv", "table": table.name}
    drift = context.get("drift_selected")
    if drift and context.get("page") == "qa":
        extra["drift"] = drift
    tail = urlencode(extra)
    return f"?{query}&{tail}" if query else f"?{tail}"


@register.simple_tag
def chart(name: str, css: str = "") -> SafeString:
    return format_html('<div class="chart {}" data-figure="{}"></div>', css, name)


@register.filter
def strict_json_script(value: Any, element_id: str) -> SafeString:
    """Django's json_script in strict JSON: NaN and infinities (numpy ones too, at any depth)
    are null, so the browser's JSON.parse of the page figures cannot fail on them."""
    return json_script(value, element_id, encoder=FiniteJSONEncoder)


@register.filter
def percent(value: Any) -> str:
    return MISSING if value is None else f"{100 * float(value):.1f}%"


@register.filter
def money(value: Any) -> str:
    return MISSING if value is None else f"{float(value):,.2f}"
