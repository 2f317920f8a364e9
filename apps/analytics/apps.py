from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "apps.analytics"
    label = "analytics"

    def ready(self) -> None:
        from apps.analytics.flags import JOB_KIND as FLAGS_KIND
        from apps.analytics.services import CONSENSUS_KIND, REPORT_KIND
        from apps.jobs.dispatch import register_sender, send_job_id, send_row_id

        register_sender(
            REPORT_KIND, send_row_id("apps.analytics.tasks.report_start", "analytics.QualityReport")
        )
        register_sender(CONSENSUS_KIND, send_job_id("apps.analytics.tasks.consensus"))
        register_sender(
            FLAGS_KIND, send_row_id("apps.analytics.flags.fault_flags", "analytics.FaultFlagRun")
        )
