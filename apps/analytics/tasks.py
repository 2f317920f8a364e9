"""Quality reports on the `default` queue: a chord of item-range shards, then an exact merge."""

from __future__ import annotations

from celery import chord, shared_task

from apps.analytics.models import QualityReport, ReportStatus
from apps.analytics.services import compute_report_shard, finalize_report
from apps.jobs.services import job_claim


@shared_task(name="labelqc.analytics.report_shard", acks_late=True)
def report_shard(report_id: int, index: int) -> None:
    compute_report_shard(report_id, index)


@shared_task(name="labelqc.analytics.report_finalize", acks_late=True)
def report_finalize(_results=None, report_id: int | None = None) -> None:
    finalize_report(report_id)


@shared_task(name="labelqc.analytics.report_start", acks_late=True)
def report_start(report_id: int) -> None:
    report = QualityReport.objects.get(pk=report_id)
    if report.job_id and job_claim(report.job_id) is None:
        return  # another run has it, or it is finished
    QualityReport.objects.filter(pk=report_id, status=ReportStatus.PENDING).update(
        status=ReportStatus.RUNNING
    )
    indexes = list(report.shards.values_list("index", flat=True))
    if indexes and not report_start.app.conf.task_always_eager:
        chord(report_shard.si(report_id, i) for i in indexes)(
            report_finalize.s(report_id=report_id)
        )
        return
    # In-process (embedded) mode: the same steps, one after the other.
    for index in indexes:
        compute_report_shard(report_id, index)
    finalize_report(report_id)


@shared_task(name="labelqc.analytics.consensus", acks_late=True)
def consensus(job_id: int) -> None:
    from apps.analytics.consensus import write_consensus
    from apps.jobs.services import job_failure_recorded

    job = job_claim(job_id)
    if job is None:
        return
    with job_failure_recorded(job_id, "consensus"):
        write_consensus(
            actor=job.created_by, project_id=job.project_id, job_id=job_id, **job.params
        )


# Tasks defined beside their service are imported here so a worker's autodiscovery finds them.
from apps.analytics.flags import fault_flags  # noqa: E402, F401
