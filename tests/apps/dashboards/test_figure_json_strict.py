"""Page figures are embedded as strict JSON: NaN and infinities (plain, numpy, nested) are null.

A bare NaN token made the browser's JSON.parse throw ("Unexpected token 'N'"), and with it every
script of the page stopped: no figure, no button. Python's json.loads accepts NaN by default, so
these tests parse with parse_constant refusing it, as the browser does.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import pytest

from apps.costs.models import CostReport
from apps.costs.services import build_report
from apps.dashboards.figures import FiniteJSONEncoder, finite_or_null
from apps.dashboards.selectors import pages
from apps.dashboards.templatetags.dashboards import strict_json_script

pytestmark = pytest.mark.django_db

PAGE_USERS = {"queue": "reviewer", "lead": "lead", "qa": "qa", "finance": "finance"}


def refuse(token: str) -> None:
    raise ValueError(f"not JSON: {token}")


def page_figures(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="figures" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page embeds no figures"
    return json.loads(found.group(1), parse_constant=refuse)


def test_a_stored_report_with_missing_costs_renders_strict_figures(worked_demo, login):
    """A finished report whose period costs are missing (overflowed) gives a cumulative cost of
    NaN per period in the forecast figure: it must reach the browser as null."""
    result = build_report(worked_demo, {"period": "W", "confidence": 0.9, "remaining_labels": None})
    periods = result["forecast"]["by_period"]
    assert len(periods) >= 2, "the demo has several weeks of work"
    for period in periods:
        period["cost"] = None
    CostReport.objects.create(
        project=worked_demo, status="succeeded", result=result, finished_at=None
    )
    response = login("finance").get(f"/projects/{worked_demo.pk}/finance/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-source="snapshot"' in html
    forecast = page_figures(html)["forecast"]
    assert forecast["data"][0]["y"] == [None] * len(periods)


@pytest.mark.parametrize("page", sorted(PAGE_USERS))
def test_every_page_embeds_non_finite_numbers_as_null(worked_demo, login, monkeypatch, page):
    original = pages.page_context

    def with_bad_numbers(*args: Any, **kwargs: Any) -> dict[str, Any]:
        context = original(*args, **kwargs)
        context["figures"] = {
            **context["figures"],
            "bad": {
                "data": [
                    {"y": np.array([1.5, np.nan, np.inf, -np.inf]), "x": (1, float("nan"))},
                    {"y": [np.float64("nan"), np.float32(2.0), [float("inf"), {"z": math.nan}]]},
                ],
                "layout": {"yaxis": {"range": [np.float64(-np.inf), 3]}, "title": "<b>&</b>"},
            },
        }
        return context

    monkeypatch.setattr(pages, "page_context", with_bad_numbers)
    response = login(PAGE_USERS[page]).get(f"/projects/{worked_demo.pk}/{page}/")
    assert response.status_code == 200
    html = response.content.decode()
    figures = page_figures(html)
    assert figures["bad"]["data"] == [
        {"y": [1.5, None, None, None], "x": [1, None]},
        {"y": [None, 2.0, [None, {"z": None}]]},
    ]
    assert figures["bad"]["layout"] == {"yaxis": {"range": [None, 3]}, "title": "<b>&</b>"}
    assert "<b>" not in re.search(r'id="figures"[^>]*>(.*?)</script>', html, re.S).group(1)


def test_finite_or_null_keeps_everything_else():
    value = {"a": [1, 2.5, True, None, "NaN"], "b": (np.int64(3), np.bool_(False))}
    assert finite_or_null(value) == {"a": [1, 2.5, True, None, "NaN"], "b": [3, False]}


def test_the_encoder_is_strict_json():
    assert json.dumps({"x": [np.nan, np.inf]}, cls=FiniteJSONEncoder) == '{"x": [null, null]}'
    with pytest.raises(ValueError, match="JSON compliant"):
        # iterencode skips the clean-up: a NaN reaching the writer fails loudly
        "".join(FiniteJSONEncoder().iterencode({"x": float("nan")}))


def test_the_filter_escapes_like_json_script():
    html = str(strict_json_script({"t": "</script>", "y": [np.nan]}, "figures"))
    assert html == (
        '<script id="figures" type="application/json">'
        '{"t": "\\u003C/script\\u003E", "y": [null]}</script>'
    )
