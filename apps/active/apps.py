from django.apps import AppConfig


class ActiveConfig(AppConfig):
    name = "apps.active"
    label = "active"
    verbose_name = "Active learning"

    def ready(self) -> None:
        from apps.active.services import JOB_KIND, round_send
        from apps.jobs.dispatch import register_sender

        register_sender(JOB_KIND, round_send)
