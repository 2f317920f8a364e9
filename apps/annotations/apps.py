from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "apps.annotations"
    label = "annotations"

    def ready(self) -> None:
        from apps.annotations.services import IMPORT_JOB_KIND
        from apps.jobs.dispatch import register_sender, send_job_id

        register_sender(IMPORT_JOB_KIND, send_job_id("apps.annotations.tasks.import_records"))
