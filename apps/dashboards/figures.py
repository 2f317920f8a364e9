"""Plotly figure builders: plain, JSON-able dicts ({"data": [...], "layout": {...}}).

The pages embed them with the `strict_json_script` filter (``FiniteJSONEncoder``: strict JSON,
a missing number is null) and draw them with the plotly.js bundled in the installed `plotly`
package (finance figures: cost_figures.py). Every builder takes plain values (no ORM rows) so it
is easy to test; tests validate each figure with plotly.graph_objects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.core.serializers.json import DjangoJSONEncoder

Figure = dict[str, Any]

OK, BREACH, UNKNOWN = "#2ca02c", "#d62728", "#b0b7c3"
EFFORT_COLORS = {"approved_as_is": "#2ca02c", "minor_edit": "#ffbf00", "rework": "#d62728"}
IAA_FLOOR = 0.70


def finite_or_null(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None, at any depth of dicts, lists
    and tuples; numpy scalars and arrays become plain Python values first.

    JSON has no NaN or Infinity: Python's json writes them as bare tokens that the browser's
    JSON.parse refuses, and then no figure (and no script after it) runs on the page.
    """
    if isinstance(value, np.ndarray):
        return finite_or_null(value.tolist())
    if isinstance(value, np.generic):
        return finite_or_null(value.item())
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: finite_or_null(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(item) for item in value]
    return value


class FiniteJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder for strict JSON: non-finite numbers are null (``finite_or_null``), and
    allow_nan=False makes any NaN that still slipped through an error, not a broken page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "allow_nan": False})

    def encode(self, o: Any) -> str:
        return super().encode(finite_or_null(o))


def base_layout(title: str, *, height: int = 340, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 15}},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 48, "b": 60},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#fbfcfd",
        "legend": {"orientation": "h", "y": -0.2},
        "font": {"family": "system-ui, sans-serif", "size": 12},
    }
    layout.update(extra)
    return layout


def hline(y: float, label: str, color: str, dash: str = "dash") -> tuple[dict, dict]:
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": 1.5, "dash": dash},
    }
    note = {
        "xref": "paper",
        "x": 1,
        "y": y,
        "xanchor": "right",
        "yanchor": "bottom",
        "text": label,
        "showarrow": False,
        "font": {"color": color, "size": 11},
    }
    return shape, note


def empty(title: str, message: str) -> Figure:
    """A figure that says why there is nothing to draw (still a real plotly figure)."""
    return {
        "data": [],
        "layout": base_layout(
            title,
            height=220,
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[{"text": message, "showarrow": False, "font": {"size": 13}}],
        ),
    }


# --- quality -----------------------------------------------------------------------------


def iou_boxes(rows: Sequence[dict[str, Any]]) -> Figure:
    """Per class IoU distribution as box plots from histogram quantiles, with each class's
    threshold (SLA) as a marker. rows: name, p10, q1, median, q3, p90, mean, threshold, n."""
    rows = [r for r in rows if r.get("median") is not None]
    if not rows:
        return empty("IoU against gold, per class", "No matched gold pairs for these filters.")
    names = [r["name"] for r in rows]
    box = {
        "type": "box",
        "name": "IoU (whiskers p10-p90)",
        "x": names,
        "q1": [r["q1"] for r in rows],
        "median": [r["median"] for r in rows],
        "q3": [r["q3"] for r in rows],
        "lowerfence": [r["p10"] for r in rows],
        "upperfence": [r["p90"] for r in rows],
        "mean": [r["mean"] for r in rows],
        "marker": {"color": "#1f77b4"},
        "hovertext": [f"{r['n']} pairs" for r in rows],
    }
    threshold = {
        "type": "scatter",
        "mode": "markers",
        "name": "class threshold",
        "x": names,
        "y": [r["threshold"] for r in rows],
        "marker": {"symbol": "line-ew-open", "size": 34, "color": BREACH, "line": {"width": 3}},
    }
    layout = base_layout("IoU against gold, per class", yaxis={"range": [0, 1.02], "title": "IoU"})
    return {"data": [box, threshold], "layout": layout}


def iaa_bars(rows: Sequence[dict[str, Any]], target: float) -> Figure:
    """Krippendorff's alpha per class with bootstrap CIs and the 0.70 / target lines.
    rows: name, alpha, ci_low, ci_high, n_units."""
    defined = [r for r in rows if r.get("alpha") is not None]
    if not defined:
        return empty("Agreement (Krippendorff's alpha) by class", "Nothing pairable yet.")
    alphas = [r["alpha"] for r in defined]
    upper = [max((r["ci_high"] or r["alpha"]) - r["alpha"], 0) for r in defined]
    lower = [max(r["alpha"] - (r["ci_low"] or r["alpha"]), 0) for r in defined]
    bars = {
        "type": "bar",
        "name": "alpha",
        "x": [r["name"] for r in defined],
        "y": alphas,
        "marker": {
            "color": [BREACH if a < IAA_FLOOR else "#ffbf00" if a < target else OK for a in alphas]
        },
        "error_y": {"type": "data", "array": upper, "arrayminus": lower, "visible": True},
        "hovertext": [f"n={r['n_units']} items" for r in defined],
    }
    floor_shape, floor_note = hline(IAA_FLOOR, "0.70 floor", BREACH)
    target_shape, target_note = hline(target, f"target {target:.2f}", "#1d2330", "dot")
    layout = base_layout(
        "Agreement (Krippendorff's alpha) by class, 95% CI",
        yaxis={"range": [min(0, *alphas) - 0.05, 1.02], "title": "alpha"},
        shapes=[floor_shape, target_shape],
        annotations=[floor_note, target_note],
    )
    return {"data": [bars], "layout": layout}


def iaa_heatmap(
    classes: Sequence[str], scenes: Sequence[str], cells: Sequence[Sequence[dict | None]]
) -> Figure:
    """alpha per class (rows) x scene type (columns); cells: {alpha, ci_low, ci_high, n}."""
    if not classes or not scenes:
        return empty("Agreement by class and scene type", "No scene types or classes.")
    z, text = [], []
    for row in cells:
        z.append([c["alpha"] if c and c["alpha"] is not None else None for c in row])
        text.append([_ci_text(c) for c in row])
    trace = {
        "type": "heatmap",
        "x": list(scenes),
        "y": list(classes),
        "z": z,
        "text": text,
        "texttemplate": "%{text}",
        "customdata": [[c["n_units"] if c else 0 for c in row] for row in cells],
        "hovertemplate": "%{y} / %{x}<br>alpha %{text}<br>%{customdata} items<extra></extra>",
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, BREACH], [IAA_FLOOR, "#ffbf00"], [0.85, "#c7e9c0"], [1, OK]],
        "colorbar": {"title": {"text": "alpha"}},
        "textfont": {"size": 10},
        "xgap": 2,
        "ygap": 2,
    }
    height = max(300, 100 + 70 * len(classes))
    layout = base_layout(
        "Agreement by class and scene type",
        height=height,
        yaxis={"automargin": True},
        xaxis={"automargin": True},
    )
    return {"data": [trace], "layout": layout}


def _ci_text(cell: dict | None) -> str:
    if not cell or cell.get("alpha") is None:
        return "n/a"
    if cell.get("n_units", 0) < 2:
        return f"{cell['alpha']:.2f}<br>(1 item: no interval)"
    if cell.get("ci_low") is None:
        return f"{cell['alpha']:.2f}"
    return f"{cell['alpha']:.2f}<br>[{cell['ci_low']:.2f}, {cell['ci_high']:.2f}]"


def confusion(labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> Figure:
    if not labels:
        return empty("Confusion matrix (gold x annotated)", "No gold comparisons.")
    trace = {
        "type": "heatmap",
        "x": list(labels),
        "y": list(labels),
        "z": [list(r) for r in matrix],
        "texttemplate": "%{z}",
        "colorscale": [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]],
        "hovertemplate": "gold %{y} / annotated %{x}: %{z}<extra></extra>",
    }
    layout = base_layout(
        "Confusion matrix (gold x annotated)",
        height=max(300, 80 + 40 * len(labels)),
        xaxis={"title": "annotated class"},
        yaxis={"title": "gold class", "autorange": "reversed"},
    )
    return {"data": [trace], "layout": layout}


def drift_chart(title: str, series: dict[str, Any], signals: dict[str, str | None]) -> Figure:
    """One metric's control chart: values, EWMA with limits, p-chart limits, fired signals."""
    x = series.get("window_start") or []
    if not x:
        return empty(title, "No windows.")
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "value",
            "x": x,
            "y": series["value"],
            "line": {"color": "#1f77b4"},
            "customdata": series.get("n"),
            "hovertemplate": "%{x}: %{y:.3f} (n=%{customdata})<extra></extra>",
        },
    ]
    for key, name, color, dash in (
        ("ewma", "EWMA", "#9467bd", "solid"),
        ("ewma_ucl", "EWMA limits", "#9467bd", "dot"),
        ("ewma_lcl", "EWMA lower", "#9467bd", "dot"),
        ("p_chart_ucl", "p-chart limits", "#8c564b", "dash"),
        ("p_chart_lcl", "p-chart lower", "#8c564b", "dash"),
    ):
        values = series.get(key) or []
        if any(v is not None for v in values):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "x": x,
                    "y": values,
                    "line": {"color": color, "dash": dash, "width": 1.5},
                    "showlegend": not name.endswith("lower"),
                }
            )
    fired = [(name, when) for name, when in signals.items() if when]
    if fired:
        position = {w: i for i, w in enumerate(x)}
        points = [(name, when) for name, when in fired if when in position]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "signal fired",
                "x": [when for _, when in points],
                "y": [series["value"][position[when]] for _, when in points],
                "text": [name for name, _ in points],
                "marker": {"symbol": "x", "size": 13, "color": BREACH},
                "hovertemplate": "%{text} fired at %{x}<extra></extra>",
            }
        )
    return {"data": data, "layout": base_layout(title, height=300)}


def pass_through_trend(series: dict[str, tuple[list[str], list[float]]], limit: float) -> Figure:
    """Per annotator, the share of wrong drafts on gold kept as is, per week."""
    title = "Wrong drafts passed through, per week"
    if not series:
        return empty(title, "No wrong drafts on gold items yet.")
    data = [
        {"type": "scatter", "mode": "lines+markers", "name": name, "x": x, "y": y}
        for name, (x, y) in series.items()
    ]
    shape, note = hline(limit, f"over-trust limit {100 * limit:.0f}%", BREACH)
    layout = base_layout(
        title, yaxis={"range": [0, 1.05], "tickformat": ".0%"}, shapes=[shape], annotations=[note]
    )
    return {"data": data, "layout": layout}


# --- operations --------------------------------------------------------------------------


def compliance(
    classes: Sequence[str],
    checks: Sequence[str],
    cells: Sequence[Sequence[Any]],
    hover: Sequence[Sequence[str]],
) -> Figure:
    """SLA checks per class: 1 compliant, 0 breached, None not measured."""
    if not classes:
        return empty("SLA compliance by class", "No class SLAs are set for this project.")
    trace = {
        "type": "heatmap",
        "x": list(checks),
        "y": list(classes),
        "z": [[None if v is None else int(v) for v in row] for row in cells],
        "text": [list(r) for r in hover],
        "hovertemplate": "%{y} / %{x}<br>%{text}<extra></extra>",
        "texttemplate": "%{text}",
        "zmin": 0,
        "zmax": 1,
        "showscale": False,
        "colorscale": [[0, "#f4a6a6"], [1, "#b9e4b9"]],
        "xgap": 2,
        "ygap": 2,
    }
    layout = base_layout("SLA compliance by class", height=max(220, 70 + 40 * len(classes)))
    return {"data": [trace], "layout": layout}


def throughput(
    days: Sequence[str],
    submitted: Sequence[int],
    decided: Sequence[int],
    backlog: Sequence[int],
    open_work: Sequence[int],
    unit: str = "day",
) -> Figure:
    title = f"Throughput per {unit} and backlog"
    if not days:
        return empty(title, "No assignments or reviews in this window.")
    data = [
        {
            "type": "bar",
            "name": "submitted",
            "x": list(days),
            "y": list(submitted),
            "marker": {"color": "#1f77b4"},
        },
        {
            "type": "bar",
            "name": "reviews decided",
            "x": list(days),
            "y": list(decided),
            "marker": {"color": "#2ca02c"},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "review backlog",
            "x": list(days),
            "y": list(backlog),
            "yaxis": "y2",
            "line": {"color": BREACH},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "assignments in progress",
            "x": list(days),
            "y": list(open_work),
            "yaxis": "y2",
            "line": {"color": "#ff7f0e", "dash": "dot"},
        },
    ]
    layout = base_layout(
        title,
        barmode="group",
        yaxis={"title": f"per {unit}", "rangemode": "tozero"},
        yaxis2={
            "title": f"open at end of {unit}",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
        },
        margin={"l": 60, "r": 70, "t": 48, "b": 60},
    )
    return {"data": data, "layout": layout}


def effort_mix(classes: Sequence[str], counts: dict[str, Sequence[int]]) -> Figure:
    if not classes:
        return empty("Correction effort on pre-labels", "No pre-labels were corrected yet.")
    data = [
        {
            "type": "bar",
            "name": bucket.replace("_", " "),
            "x": list(classes),
            "y": list(values),
            "marker": {"color": EFFORT_COLORS.get(bucket, UNKNOWN)},
        }
        for bucket, values in counts.items()
    ]
    return {"data": data, "layout": base_layout("Correction effort on pre-labels", barmode="stack")}
