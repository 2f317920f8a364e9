from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "apps.annotations"
    label = "annotations"

    def ready(self) -> None:
        from apps.annotations.services import IMPORT_JOB_KIND
        from apps.jobs.dispatch import TaskSender, register_sender

        register_sender(IMPORT_JOB_KIND, TaskSender("apps.annotations.tasks.import_records"))
