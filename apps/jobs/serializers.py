from rest_framework import serializers

from apps.jobs.models import Job


class JobOutput(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "project",
            "kind",
            "status",
            "params",
            "result",
            "errors",
            "progress_done",
            "progress_total",
            "failures",
            "backend",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "attempts",
        ]
        read_only_fields = fields
