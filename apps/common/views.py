"""Base API views: authentication, role checks and the project an endpoint belongs to."""

from __future__ import annotations

from typing import Any, ClassVar

from django.shortcuts import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.common.pagination import DefaultPagination
from apps.common.parsers import check_query_params
from apps.common.permissions import RoleAccess, role_of


class RoleScopedApi(APIView):
    """An endpoint inside one project; subclasses say how to find it from the URL."""

    permission_classes = [IsAuthenticated, RoleAccess]
    access: ClassVar[dict[str, frozenset[str]]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        check_query_params(request.query_params)

    def project_id_from_url(self) -> int | None:
        """Default: the URL names the project. Detail views override to look the object up.

        The project's existence is checked in `get_role`, only when no membership proves it.
        """
        project_id = self.kwargs.get("project_id")
        return None if project_id is None else int(project_id)

    def load_scope(self, request: Request) -> tuple[int | None, Any]:
        """(project id, the caller's membership or None); views may fetch both at once."""
        from apps.projects.models import Project
        from apps.projects.selectors import membership_for

        project_id = self.project_id_from_url()
        if project_id is None:
            return None, None
        member = membership_for(user=request.user, project_id=project_id)
        if member is None:
            get_object_or_404(Project.objects.only("id"), pk=project_id)
        return project_id, member

    def get_role(self, request: Request) -> str | None:
        if not hasattr(self, "_role"):
            # One membership lookup per request serves both the role check and the view.
            self._project_id, self._member = self.load_scope(request)
            self._role = role_of(request.user, self._project_id, self._member)
        return self._role

    @property
    def member(self) -> Any:
        """The caller's membership in this endpoint's project (None for non-member superusers)."""
        self.get_role(self.request)
        return self._member

    @property
    def project_id(self) -> int:
        assert self._project_id is not None
        return self._project_id

    def paginate(self, request: Request, queryset: Any, serializer_class: Any, **context: Any):
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = serializer_class(page, many=True, context={"request": request, **context}).data
        return paginator.get_paginated_response(data)
