"""What every page shares: navigation, the filter bar's choices, and the page's own data."""

from __future__ import annotations

from typing import Any

import plotly

from apps.dashboards import access
from apps.dashboards.filters import PageFilters
from apps.dashboards.selectors.finance import finance_page
from apps.dashboards.selectors.operations import lead_page
from apps.dashboards.selectors.quality import qa_page
from apps.dashboards.selectors.queue import queue_page
from apps.dashboards.tables import PageData
from apps.projects.models import Annotator, Cohort, LabelClass, Project

__all__ = ["finance_page", "frame_context", "home_context", "lead_page", "qa_page", "queue_page"]


def _roles_by_project(user: Any) -> dict[int, str]:
    if user.is_superuser:
        return {pk: "admin" for pk in Project.objects.values_list("pk", flat=True)}
    return dict(
        Annotator.objects.filter(user=user, is_active=True).values_list("project_id", "role")
    )


def home_context(user: Any) -> dict[str, Any]:
    roles = _roles_by_project(user)
    projects = Project.objects.filter(pk__in=roles).order_by("id")
    return {
        "title": "Projects",
        "projects": [
            {"project": p, "role": roles[p.pk], "links": access.nav_links(p.pk, roles[p.pk])}
            for p in projects
        ],
        "plotly_version": plotly.__version__,
    }


def frame_context(user: Any, project: Project, role: str | None, page: str) -> dict[str, Any]:
    """Navigation and filter choices; cohorts are hidden from annotators (they see only
    their own work)."""
    allowed = next((roles for name, _, roles in access.PAGES if name == page), frozenset())
    roles = _roles_by_project(user)
    switch = Project.objects.filter(
        pk__in=[pk for pk, r in roles.items() if r in allowed]
    ).order_by("id")
    return {
        "project": project,
        "role": role,
        "page": page,
        "nav_links": access.nav_links(project.pk, role),
        "switch_projects": switch,
        "filter_classes": LabelClass.objects.filter(project=project).order_by("id"),
        "filter_cohorts": Cohort.objects.filter(project=project).order_by("id")
        if role != "annotator"
        else [],
        "plotly_version": plotly.__version__,
    }


def page_context(title: str, filters: PageFilters, data: PageData) -> dict[str, Any]:
    return {
        "title": title,
        "filters": filters,
        "filter_query": filters.query(),
        "tables": data.tables,
        "figures": data.figures,
        **data.context,
    }
