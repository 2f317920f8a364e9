"""The lead page's pre-labeling and active-learning card: which backend a pre-labeling job would
run, the project's recent active-learning rounds and the latest finished round's picks."""

from __future__ import annotations

from django.db.models import Count

from apps.active.models import RoundStatus
from apps.active.selectors import rounds_of
from apps.active.services import STRATEGIES
from apps.dashboards.tables import Column, PageData, Table
from apps.prelabel.selectors import backend_summary
from labelqc.active.features import FEATURE_KINDS

ROUND_ROWS = 20


def model_work_section(page: PageData, project_id: int) -> None:
    backend = backend_summary()
    page.context["prelabel"] = backend
    # SAM 2 uncertainty and SAM 2 embeddings exist only where SAM 2 runs.
    sam2 = backend["backend"] == "sam2"
    page.context["al_strategies"] = [s for s in STRATEGIES if sam2 or not s.startswith("sam2")]
    page.context["al_features"] = [f for f in FEATURE_KINDS if sam2 or not f.startswith("sam2")]
    rounds = list(rounds_of(project_id=project_id).annotate(picked=Count("picks"))[:ROUND_ROWS])
    page.add(
        Table(
            "al_rounds",
            "Active-learning rounds",
            [
                Column("id", "round", "int"),
                Column("strategy", "strategy"),
                Column("features", "features"),
                Column("batch_size", "batch", "int"),
                Column("status", "status"),
                Column("picked", "picked", "int"),
                Column("labeled", "labeled pool", "int"),
                Column("unlabeled", "unlabeled pool", "int"),
                Column("error", "error"),
                Column("created_at", "started", "date"),
            ],
            [
                {
                    "id": r.pk,
                    "strategy": r.strategy,
                    "features": r.features,
                    "batch_size": r.batch_size,
                    "status": r.status,
                    "picked": r.picked,
                    "labeled": r.pool.get("labeled"),
                    "unlabeled": r.pool.get("unlabeled"),
                    "error": r.error,
                    "created_at": r.created_at,
                }
                for r in rounds
            ],
            empty="No active-learning round yet.",
        )
    )
    latest = next((r for r in rounds if r.status == RoundStatus.DONE), None)
    picks = latest.picks.select_related("item").order_by("rank") if latest else []
    page.add(
        Table(
            "al_picks",
            "Latest round's picks" + (f" (round {latest.pk}, {latest.strategy})" if latest else ""),
            [
                Column("rank", "rank", "int"),
                Column("item", "item"),
                Column("score", "score", "number"),
                Column("priority_before", "priority before", "int"),
                Column("priority_after", "priority after", "int"),
            ],
            [
                {
                    "rank": p.rank,
                    "item": p.item.file_name or f"item {p.item_id}",
                    "score": p.score,
                    "priority_before": p.priority_before,
                    "priority_after": p.priority_after,
                }
                for p in picks
            ],
            note="Picked items move up the annotation queue (their priority is raised).",
            empty="No finished round yet.",
        )
    )
