"""Role-based access: every API view states which project roles may use each HTTP method.

A view declares `access = {"GET": roles, "POST": roles, ...}`; a method not listed is denied.
`AUTHENTICATED` admits any signed-in user (the view then scopes what it returns to them).
Superusers act as project admins everywhere.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.common.roles import Role

AUTHENTICATED = frozenset({"*authenticated*"})


class RoleAccess(BasePermission):
    message = "Your role in this project does not allow this action."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        access: dict[str, frozenset[str]] = getattr(view, "access", {})
        method = "GET" if request.method in {"HEAD", "OPTIONS"} else request.method
        allowed = access.get(method or "")
        if allowed is None:
            return False
        if allowed is AUTHENTICATED:
            return True
        role = view.get_role(request)
        return role is not None and role in allowed


def role_of(user: Any, project_id: int | None, membership: Any = None) -> str | None:
    """The user's role in the project; pass `membership` when it is already loaded."""
    from apps.projects.selectors import membership_for

    if project_id is None:
        return None
    if user.is_superuser:
        return Role.ADMIN
    if membership is None:
        membership = membership_for(user=user, project_id=project_id)
    return membership.role if membership else None
