from django.contrib import admin

from apps.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "project",
        "status",
        "progress_done",
        "progress_total",
        "created_at",
        "heartbeat_at",
    )
    list_filter = ("kind", "status")
    exclude = ("payload",)
