from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "apps.costs"
    label = "costs"
    verbose_name = "Costs"

    def ready(self) -> None:
        from apps.costs.services.reports import REPORT_KIND
        from apps.jobs.dispatch import register_sender, send_row_id

        register_sender(
            REPORT_KIND, send_row_id("apps.costs.tasks.compute_report", "costs.CostReport")
        )
