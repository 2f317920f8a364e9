from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "apps.interop"
    label = "interop"
    verbose_name = "Import and export"

    def ready(self) -> None:
        from apps.interop.conf import EXPORT_KIND, IMPORT_KIND
        from apps.jobs.dispatch import TaskSender, register_sender

        register_sender(IMPORT_KIND, TaskSender("apps.interop.tasks.import_file"))
        register_sender(EXPORT_KIND, TaskSender("apps.interop.tasks.export"))
