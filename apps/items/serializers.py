from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from apps.common.ids import MAX_INT, IdField
from apps.items.models import Item

HEX64 = "0123456789abcdef"


class ItemCommonInput(serializers.Serializer):
    scene_tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    is_gold = serializers.BooleanField(required=False, default=False)
    video = serializers.CharField(required=False, allow_null=True, max_length=300, default=None)
    frame_index = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_INT, default=None
    )


class ItemUploadInput(ItemCommonInput):
    file = serializers.FileField()


class ItemUriInput(ItemCommonInput):
    uri = serializers.CharField(max_length=2000)
    width = serializers.IntegerField(min_value=1, max_value=100_000)
    height = serializers.IntegerField(min_value=1, max_value=100_000)
    sha256 = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    file_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate_sha256(self, value: str) -> str:
        value = value.lower()
        if value and (len(value) != 64 or any(c not in HEX64 for c in value)):
            raise serializers.ValidationError("must be 64 hexadecimal characters")
        return value


class ItemUpdateInput(serializers.Serializer):
    scene_tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    is_gold = serializers.BooleanField(required=False)
    priority = serializers.IntegerField(required=False, min_value=-1_000_000, max_value=1_000_000)


class ItemFilterInput(serializers.Serializer):
    is_gold = serializers.BooleanField(required=False, allow_null=True, default=None)
    scene_tag = serializers.CharField(required=False)
    video = IdField(required=False)
    sha256 = serializers.CharField(required=False)


class ItemOutput(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "id",
            "file_name",
            "uri",
            "width",
            "height",
            "sha256",
            "video",
            "frame_index",
            "scene_tags",
            "is_gold",
            "priority",
            "created_at",
            "image_url",
        ]
        read_only_fields = fields

    def get_image_url(self, item: Item) -> str | None:
        return f"/api/items/{item.pk}/image/" if item.file else (item.uri or None)


class ItemWithoutGoldOutput(ItemOutput):
    """An item as a reviewer sees it: without the gold flag (a reviewer who also annotates is
    scored on honeypots, so must not be able to tell them)."""

    class Meta(ItemOutput.Meta):
        fields = [f for f in ItemOutput.Meta.fields if f != "is_gold"]
        read_only_fields = fields


def item_for_role_output(many: bool = False) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="ItemForRole",
        serializers=[ItemOutput, ItemWithoutGoldOutput],
        resource_type_field_name=None,
        many=many,
    )
