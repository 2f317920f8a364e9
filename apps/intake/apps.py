from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "apps.intake"
    label = "intake"
    verbose_name = "Data intake and batch acceptance"

    def ready(self) -> None:
        from apps.intake.services.screening import SCREEN_KIND
        from apps.jobs.dispatch import TaskSender, register_sender

        register_sender(
            SCREEN_KIND,
            TaskSender("apps.intake.tasks.screen_batch", row_model="intake.ScreeningRun"),
        )
