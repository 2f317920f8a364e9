from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "apps.analytics"
    label = "analytics"

    def ready(self) -> None:
        from apps.analytics.flags import JOB_KIND as FLAGS_KIND
        from apps.analytics.services import CONSENSUS_KIND, REPORT_KIND
        from apps.jobs.dispatch import TaskSender, register_sender

        register_sender(
            REPORT_KIND,
            TaskSender("apps.analytics.tasks.report_start", row_model="analytics.QualityReport"),
        )
        register_sender(CONSENSUS_KIND, TaskSender("apps.analytics.tasks.consensus"))
        register_sender(
            FLAGS_KIND,
            TaskSender("apps.analytics.flags.fault_flags", row_model="analytics.FaultFlagRun"),
        )
