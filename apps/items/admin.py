from django.contrib import admin

from apps.items.models import Item, Video


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "file_name",
        "project",
        "width",
        "height",
        "is_gold",
        "priority",
        "video",
        "frame_index",
    )
    list_filter = ("project", "is_gold")
    search_fields = ("file_name", "sha256", "uri")


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "project", "fps")
