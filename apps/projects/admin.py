from django.contrib import admin

from apps.projects.models import Annotator, Cohort, LabelClass, Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "default_iou_threshold", "target_iaa", "overlap", "created_at")
    search_fields = ("name",)


@admin.register(LabelClass)
class LabelClassAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "project", "parent", "precision_tier", "iou_threshold")
    list_filter = ("project", "precision_tier")


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "project", "kind", "vendor")
    list_filter = ("project", "kind")


@admin.register(Annotator)
class AnnotatorAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "project", "role", "cohort", "is_active")
    list_filter = ("project", "role", "cohort")
