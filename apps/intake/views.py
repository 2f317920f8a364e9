"""Intake pages: the project's batches and one batch (screening, duplicates, plan, decisions).

Logged out -> the login page; a role other than QA manager, project lead or admin -> 403.
The pages call the intake API from the browser for every change (keep / drop, screen,
release, inspect), so the same role checks and audit apply.
"""

from __future__ import annotations

import plotly
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.common.permissions import role_of
from apps.common.roles import MANAGERS
from apps.intake import pages
from apps.intake.models import Batch
from apps.projects.models import Project


def _frame(request: HttpRequest, project: Project, title: str) -> tuple[dict, HttpResponse | None]:
    role = role_of(request.user, project.pk)
    context = {
        "project": project,
        "role": role,
        "title": title,
        "page": "batches",
        "nav_links": [
            {"page": "batches", "label": "Batches", "url": f"/projects/{project.pk}/batches/"}
        ],
        "plotly_version": plotly.__version__,
    }
    if role is None:
        # not a member: not even the project's name
        return context, render(request, "intake/forbidden.html", {"role": None}, status=403)
    if role not in MANAGERS:
        return context, render(request, "intake/forbidden.html", context, status=403)
    return context, None


@require_GET
def batches_page(request: HttpRequest, project_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("login"))
    project = get_object_or_404(Project, pk=project_id)
    context, denied = _frame(request, project, "Batches")
    if denied is not None:
        return denied
    context.update(pages.batches_context(project.pk))
    return render(request, "intake/batches.html", context)


@require_GET
def batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("login"))
    batch = get_object_or_404(Batch.objects.select_related("project", "cohort"), pk=batch_id)
    context, denied = _frame(request, batch.project, f"Batch {batch.name}")
    if denied is not None:
        return denied
    context.update(pages.batch_context(batch))
    return render(request, "intake/batch_detail.html", context)
