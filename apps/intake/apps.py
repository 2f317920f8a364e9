from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "apps.intake"
    label = "intake"
    verbose_name = "Data intake and batch acceptance"

    def ready(self) -> None:
        from apps.intake.services.screening import SCREEN_KIND
        from apps.jobs.dispatch import register_sender, send_row_id

        register_sender(
            SCREEN_KIND, send_row_id("apps.intake.tasks.screen_batch", "intake.ScreeningRun")
        )
