"""Who may open which page, and the navigation each role sees.

The pages use the same project roles as the API (apps.common.roles): annotators and reviewers
work the queue; QA managers and leads see quality and operations; finance (and leads, who own
the budget) see cost. Superusers act as project admins everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.common.permissions import role_of
from apps.common.roles import LABELERS, MANAGERS, Role

QUEUE_ROLES = LABELERS
LEAD_ROLES = MANAGERS
QA_ROLES = MANAGERS
FINANCE_ROLES = frozenset({Role.FINANCE, Role.PROJECT_LEAD, Role.ADMIN})
# Reviewers work review queues; annotators only their own assignments.
REVIEW_ROLES = frozenset({Role.REVIEWER, Role.QA_MANAGER, Role.PROJECT_LEAD, Role.ADMIN})

PAGES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("queue", "Queue", QUEUE_ROLES),
    ("lead", "Operations", LEAD_ROLES),
    ("qa", "Quality", QA_ROLES),
    ("finance", "Finance", FINANCE_ROLES),
)


@dataclass(frozen=True)
class NavLink:
    page: str
    label: str
    url: str


def project_role(user: Any, project_id: int) -> str | None:
    if not (user and user.is_authenticated):
        return None
    return role_of(user, project_id)


def nav_links(project_id: int, role: str | None) -> list[NavLink]:
    """The project pages this role may open, in menu order."""
    if role is None:
        return []
    return [
        NavLink(page, label, f"/projects/{project_id}/{page}/")
        for page, label, roles in PAGES
        if role in roles
    ]
