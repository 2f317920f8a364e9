from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "apps.costs"
    label = "costs"
    verbose_name = "Costs"

    def ready(self) -> None:
        from apps.costs.services.reports import REPORT_KIND
        from apps.jobs.dispatch import TaskSender, register_sender

        register_sender(
            REPORT_KIND, TaskSender("apps.costs.tasks.compute_report", row_model="costs.CostReport")
        )
