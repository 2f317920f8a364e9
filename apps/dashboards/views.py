"""Server-rendered pages: thin views that check the role, read filters and call a selector.

Logged out -> redirect to the login page; a role the page does not admit -> 403; bad filters ->
400 naming the field; `?format=csv&table=<name>` downloads one of the page's tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import plotly
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from apps.dashboards import access
from apps.dashboards.filters import PageFilters, PageInputError, parse_filters
from apps.dashboards.selectors import pages
from apps.dashboards.tables import PageData, csv_response
from apps.projects.models import Project

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _login(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), reverse("login"))


def plotly_js(request: HttpRequest) -> FileResponse:
    """plotly.js from the installed plotly package (the machines are offline: no CDN)."""
    response = FileResponse(PLOTLY_JS.open("rb"), content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    return render(request, "dashboards/home.html", pages.home_context(request.user))


class ProjectPage(View):
    page: ClassVar[str]
    title: ClassVar[str]
    roles: ClassVar[frozenset[str]]
    template_name: ClassVar[str]

    def build(
        self, request: HttpRequest, project: Project, role: str, filters: PageFilters
    ) -> PageData:
        raise NotImplementedError

    def get(self, request: HttpRequest, project_id: int) -> HttpResponse:
        if not request.user.is_authenticated:
            return _login(request)
        project = get_object_or_404(Project, pk=project_id)
        role = access.project_role(request.user, project.pk)
        context: dict[str, Any] = pages.frame_context(request.user, project, role, self.page)
        if role not in self.roles:
            return render(request, "dashboards/forbidden.html", context, status=403)
        try:
            wanted = parse_filters(request.GET, project.pk)
            data = self.build(request, project, role, wanted.filters)
            if wanted.format == "csv":
                table = data.tables.get(wanted.table)
                if table is None:
                    raise PageInputError(
                        {"table": [f"unknown table; one of {sorted(data.tables)}"]}
                    )
                return csv_response(table, f"project{project.pk}-{self.page}-{table.name}")
        except PageInputError as error:
            context["errors"] = error.errors
            return render(request, "dashboards/bad_request.html", context, status=400)
        context.update(pages.page_context(self.title, wanted.filters, data))
        return render(request, self.template_name, context)


class QueuePage(ProjectPage):
    page, title, roles = "queue", "Work queue", access.QUEUE_ROLES
    template_name = "dashboards/queue.html"

    def build(self, request, project, role, filters):
        return pages.queue_page(request.user, project, role, filters)


class LeadPage(ProjectPage):
    page, title, roles = "lead", "Operations", access.LEAD_ROLES
    template_name = "dashboards/lead.html"

    def build(self, request, project, role, filters):
        return pages.lead_page(project, filters)


class QaPage(ProjectPage):
    page, title, roles = "qa", "Quality", access.QA_ROLES
    template_name = "dashboards/qa.html"

    def build(self, request, project, role, filters):
        return pages.qa_page(project, filters, request.GET.get("drift"))


class FinancePage(ProjectPage):
    page, title, roles = "finance", "Finance", access.FINANCE_ROLES
    template_name = "dashboards/finance.html"

    def build(self, request, project, role, filters):
        return pages.finance_page(project, filters)
