from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.parsers import JSONParser
from apps.common.roles import GOLD_READERS, LEADS, MANAGERS, STAFF_ROLES
from apps.common.views import RoleScopedApi
from apps.items import selectors, services
from apps.items.models import Item
from apps.items.serializers import (
    ItemFilterInput,
    ItemOutput,
    ItemUpdateInput,
    ItemUploadInput,
    ItemUriInput,
    ItemWithoutGoldOutput,
    item_for_role_output,
)


class ProjectItemsApi(RoleScopedApi):
    access = {"GET": STAFF_ROLES, "POST": LEADS}
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(parameters=[ItemFilterInput], responses=item_for_role_output(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's items by id, filtered by gold flag, scene tag, video or sha256;
        paginated. Reviewers get no gold flag and may not filter by it (400)."""
        filters = ItemFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        gold_hidden = self.get_role(request) not in GOLD_READERS
        if gold_hidden and filters.validated_data.get("is_gold") is not None:
            raise ValidationError({"is_gold": ["is not available to your role"]})
        query = selectors.items_of(project_id=self.project_id, **filters.validated_data)
        return self.paginate(request, query, ItemWithoutGoldOutput if gold_hidden else ItemOutput)

    @extend_schema(
        request={"multipart/form-data": ItemUploadInput, "application/json": ItemUriInput},
        responses={201: ItemOutput},
    )
    def post(self, request: Request, project_id: int) -> Response:
        """Register an item: upload an image (multipart `file`; a 400 when it cannot be decoded or
        exceeds the pixel cap) or give a URI with its width and height (JSON). `video` and
        `frame_index` go together, one item per frame."""
        if "file" in request.FILES:
            payload = ItemUploadInput(data=request.data)
            payload.is_valid(raise_exception=True)
            data = dict(payload.validated_data)
            item = services.item_create_from_upload(
                actor=request.user, project_id=self.project_id, upload=data.pop("file"), **data
            )
        else:
            payload = ItemUriInput(data=request.data)
            payload.is_valid(raise_exception=True)
            item = services.item_register_uri(
                actor=request.user, project_id=self.project_id, **payload.validated_data
            )
        return Response(ItemOutput(item).data, status=status.HTTP_201_CREATED)


class ItemDetailApi(RoleScopedApi):
    access = {"GET": STAFF_ROLES, "PATCH": MANAGERS, "DELETE": LEADS}

    @extend_schema(responses={204: None})
    def delete(self, request: Request, item_id: int) -> Response:
        """Delete an item with its annotations; every removed annotation is audited too."""
        services.item_delete(actor=request.user, item=Item.objects.get(pk=item_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            Item.objects.only("project_id"), pk=self.kwargs["item_id"]
        ).project_id

    @extend_schema(responses=item_for_role_output())
    def get(self, request: Request, item_id: int) -> Response:
        """One item; `image_url` points at the stored file or the item's URI. No gold flag for
        reviewers."""
        output = ItemOutput if self.get_role(request) in GOLD_READERS else ItemWithoutGoldOutput
        return Response(output(Item.objects.get(pk=item_id)).data)

    @extend_schema(request=ItemUpdateInput, responses=ItemOutput)
    def patch(self, request: Request, item_id: int) -> Response:
        """Change an item's scene tags, gold flag or queue priority (the priority is copied to the
        item's queue slots)."""
        payload = ItemUpdateInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        item = services.item_update(
            actor=request.user, item=Item.objects.get(pk=item_id), data=payload.validated_data
        )
        return Response(ItemOutput(item).data)


class ItemImageApi(RoleScopedApi):
    """The item's stored image file; 404 for items registered by URI only."""

    access = {"GET": STAFF_ROLES}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            Item.objects.only("project_id"), pk=self.kwargs["item_id"]
        ).project_id

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    def get(self, request: Request, item_id: int) -> FileResponse:
        return selectors.stored_image_response(Item.objects.get(pk=item_id))
