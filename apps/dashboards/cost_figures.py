"""Plotly figure builders for the finance page (plain, JSON-able dicts; see figures.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.dashboards.figures import BREACH, Figure, base_layout, empty, hline


def _wrap(label: str, width: int = 14) -> str:
    """Break a long axis label into lines of about `width` characters."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def cost_waterfall(steps: Sequence[dict[str, Any]], currency: str) -> Figure:
    if not steps:
        return empty("Cost waterfall", "No cost recorded yet.")
    trace = {
        "type": "waterfall",
        "x": [_wrap(s["label"]) for s in steps],
        "y": [s["amount"] for s in steps],
        "measure": ["total" if s["step"] == "total" else "relative" for s in steps],
        "connector": {"line": {"color": "#9aa3b2"}},
        "increasing": {"marker": {"color": "#ff7f0e"}},
        "totals": {"marker": {"color": "#1d2330"}},
        "texttemplate": "%{y:,.0f}",
        "textposition": "outside",
    }
    layout = base_layout(
        f"Cost waterfall ({currency})",
        showlegend=False,
        height=380,
        xaxis={"tickangle": 0, "automargin": True},
    )
    return {"data": [trace], "layout": layout}


def cost_per_label(
    title: str,
    names: Sequence[str],
    total: Sequence[float | None],
    direct: Sequence[float | None],
    currency: str,
) -> Figure:
    if not names:
        return empty(title, "No accepted labels yet.")
    data = [
        {
            "type": "bar",
            "name": "direct only",
            "x": list(names),
            "y": list(direct),
            "marker": {"color": "#9ecae1"},
        },
        {
            "type": "bar",
            "name": "rework-inclusive",
            "x": list(names),
            "y": list(total),
            "marker": {"color": "#1f77b4"},
        },
    ]
    layout = base_layout(title, barmode="group", yaxis={"title": f"{currency} per accepted label"})
    return {"data": data, "layout": layout}


def forecast(
    periods: Sequence[str],
    cumulative: Sequence[float],
    finish: dict[str, Any],
    budget: float | None,
    currency: str,
) -> Figure:
    """Cumulative cost to date, the estimate at completion with its interval, the budget."""
    if not periods:
        return empty("Forecast to finish", "No cost history yet.")
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "cost to date",
            "x": list(periods),
            "y": list(cumulative),
            "line": {"color": "#1f77b4"},
        },
    ]
    if finish.get("eac") is not None:
        error = {}
        # Bars need both bounds (a bound too large for a float is None, like the point).
        if finish.get("eac_low") is not None and finish.get("eac_high") is not None:
            error = {
                "type": "data",
                "array": [finish["eac_high"] - finish["eac"]],
                "arrayminus": [finish["eac"] - finish["eac_low"]],
                "visible": True,
            }
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "estimate at completion",
                "x": ["at completion"],
                "y": [finish["eac"]],
                "error_y": error,
                "marker": {"size": 12, "color": "#ff7f0e"},
            }
        )
    shapes, notes = [], []
    if budget is not None:
        shape, note = hline(budget, f"budget {budget:,.0f}", BREACH)
        shapes, notes = [shape], [note]
    layout = base_layout(
        f"Forecast to finish ({currency})",
        shapes=shapes,
        annotations=notes,
        xaxis={"type": "category"},
    )
    return {"data": data, "layout": layout}


def budget_bars(
    names: Sequence[str],
    budget: Sequence[float | None],
    actual: Sequence[float],
    eac: Sequence[float | None],
    currency: str,
) -> Figure:
    if not names:
        return empty("Budget vs actual", "No budget set.")
    data = [
        {
            "type": "bar",
            "name": "budget",
            "x": list(names),
            "y": list(budget),
            "marker": {"color": "#c7cdd8"},
        },
        {
            "type": "bar",
            "name": "spent",
            "x": list(names),
            "y": list(actual),
            "marker": {"color": "#1f77b4"},
        },
        {
            "type": "bar",
            "name": "estimate at completion",
            "x": list(names),
            "y": list(eac),
            "marker": {"color": "#ff7f0e"},
        },
    ]
    return {"data": data, "layout": base_layout(f"Budget vs actual ({currency})", barmode="group")}


def scenarios(
    names: Sequence[str], components: dict[str, Sequence[float]], currency: str
) -> Figure:
    if not names:
        return empty("Scenario comparison", "No scenarios saved.")
    palette = ["#9ecae1", "#6baed6", "#ff7f0e", "#9467bd", "#d62728"]
    data = [
        {
            "type": "bar",
            "name": label,
            "x": list(names),
            "y": list(values),
            "marker": {"color": palette[i % len(palette)]},
        }
        for i, (label, values) in enumerate(components.items())
    ]
    return {
        "data": data,
        "layout": base_layout(f"Scenario comparison ({currency})", barmode="stack"),
    }
