"""Writes of the costs app: rate cards, budget, scenarios, reports, demo inputs."""

from apps.costs.services.demo import seed_demo_costs
from apps.costs.services.rates import (
    budget_delete,
    budget_set,
    rate_card_create,
    rate_card_delete,
    rate_card_update,
)
from apps.costs.services.reports import build_report, report_run, report_start
from apps.costs.services.scenarios import (
    compare,
    compare_request,
    scenario_create,
    scenario_delete,
    scenario_update,
)

__all__ = [
    "budget_delete",
    "budget_set",
    "build_report",
    "compare",
    "compare_request",
    "rate_card_create",
    "rate_card_delete",
    "rate_card_update",
    "report_run",
    "report_start",
    "scenario_create",
    "scenario_delete",
    "scenario_update",
    "seed_demo_costs",
]
