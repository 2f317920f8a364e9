from django.contrib import admin

from apps.annotations.models import Annotation


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "item",
        "author",
        "source",
        "label_class",
        "geometry_type",
        "version",
        "created_at",
    )
    list_filter = ("project", "source", "geometry_type")
    raw_id_fields = ("item", "author")

    # Edits go through the API so they are versioned and audited.
    def has_change_permission(self, request, obj=None):
        return False
