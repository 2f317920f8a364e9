from __future__ import annotations

from apps.analytics.models import QualityReport, ReportStatus


def latest_report(project_id: int) -> QualityReport | None:
    """The newest finished quality report of the project, unfiltered reports first."""
    finished = QualityReport.objects.filter(project_id=project_id, status=ReportStatus.SUCCEEDED)
    return finished.filter(filters={}).first() or finished.first()
