"""Planning scenarios: CRUD (segments validated by labelqc.cost, audited) and comparison."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.audit.services import audit, audited_change, snapshot
from apps.common.exceptions import ServiceValidationError, unique_or_400
from apps.costs.domain import cost_error, segments_frame, validate_segments
from apps.costs.models import Scenario
from labelqc.cost import (
    CostInputError,
    breakeven_remediation_cost,
    compare_scenarios,
    tornado,
)

MAX_COMPARED = 10
SCENARIO_FIELDS = ("name", "description", "segments", "is_baseline")


def _check_name(project_id: int, name: str, scenario_id: int | None) -> None:
    taken = Scenario.objects.filter(project_id=project_id, name=name).exclude(pk=scenario_id)
    if taken.exists():
        raise ServiceValidationError(f"a scenario named {name!r} already exists", field="name")


def _clear_other_baselines(scenario: Scenario) -> None:
    if scenario.is_baseline:
        Scenario.objects.filter(project_id=scenario.project_id, is_baseline=True).exclude(
            pk=scenario.pk
        ).update(is_baseline=False)


@transaction.atomic
def scenario_create(*, actor: Any, project_id: int, data: dict[str, Any]) -> Scenario:
    _check_name(project_id, data["name"], None)
    with unique_or_400("name", "a scenario with this name already exists"):
        scenario = Scenario.objects.create(
            project_id=project_id,
            name=data["name"],
            description=data.get("description", ""),
            segments=validate_segments(data.get("segments")),
            is_baseline=bool(data.get("is_baseline", False)),
        )
    _clear_other_baselines(scenario)
    audit(
        actor=actor,
        project_id=project_id,
        action="cost.scenario.create",
        entity=scenario,
        after=snapshot(scenario),
    )
    return scenario


@transaction.atomic
def scenario_update(*, actor: Any, scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if "name" in changes:
        _check_name(scenario.project_id, changes["name"], scenario.pk)
    if "segments" in changes:
        changes["segments"] = validate_segments(changes["segments"])
    with audited_change(actor=actor, action="cost.scenario.update", entity=scenario):
        for key in SCENARIO_FIELDS:
            if key in changes:
                setattr(scenario, key, changes[key])
        with unique_or_400("name", "a scenario with this name already exists"):
            scenario.save()
        _clear_other_baselines(scenario)
    return scenario


@transaction.atomic
def scenario_delete(*, actor: Any, scenario: Scenario) -> None:
    audit(
        actor=actor,
        project_id=scenario.project_id,
        action="cost.scenario.delete",
        entity=scenario,
        before=snapshot(scenario),
    )
    scenario.delete()


def compare(
    scenarios: dict[str, list[dict[str, Any]]],
    *,
    baseline: str | None = None,
    with_tornado: bool = True,
    relative_delta: float = 0.10,
) -> dict[str, Any]:
    """Cost and rank validated scenarios; break-even remediation cost and tornado per scenario.

    ``scenarios`` maps a name to its (validated) segments; the baseline defaults to the first.
    """
    if not scenarios:
        raise ServiceValidationError("at least one scenario is required", field="scenarios")
    if len(scenarios) > MAX_COMPARED:
        raise ServiceValidationError(f"at most {MAX_COMPARED} scenarios", field="scenarios")
    frames = {name: segments_frame(segments) for name, segments in scenarios.items()}
    base = baseline if baseline is not None else next(iter(frames))
    if base not in frames:
        raise ServiceValidationError(f"is not one of the scenarios: {base!r}", field="baseline")
    try:
        comparison = compare_scenarios(frames, baseline=base)
        breakeven = [
            {"scenario": name, "versus": base, **breakeven_remediation_cost(frames[base], frame)}
            for name, frame in frames.items()
            if name != base
        ]
        sensitivity = [
            {"scenario": name, **record}
            for name, frame in frames.items()
            for record in (tornado(frame, relative_delta=relative_delta) if with_tornado else [])
        ]
    except CostInputError as exc:
        raise cost_error(exc, f"scenarios.{exc.field}") from None
    return {
        "baseline": base,
        "comparison": comparison,
        "breakeven": breakeven,
        "tornado": sensitivity,
    }


def compare_request(
    *,
    project_id: int,
    scenario_ids: list[int],
    scenarios: dict[str, Any],
    baseline: str | None = None,
    tornado: bool = True,
    relative_delta: float = 0.10,
) -> dict[str, Any]:
    """Compare stored scenarios (by id, in that order) and inline ones (validated here)."""
    found = {s.pk: s for s in Scenario.objects.filter(project_id=project_id, pk__in=scenario_ids)}
    missing = [pk for pk in scenario_ids if pk not in found]
    if missing:
        raise ServiceValidationError(
            f"not scenarios of this project: {missing}", field="scenario_ids"
        )
    named = {found[pk].name: found[pk].segments for pk in scenario_ids}
    for name, segments in scenarios.items():
        if not name or len(name) > 120:
            raise ServiceValidationError("names are 1 to 120 characters", field="scenarios")
        if name in named:
            raise ServiceValidationError(f"{name!r} is also a stored scenario", field="scenarios")
        named[name] = validate_segments(segments, path=f"scenarios.{name}")
    return compare(named, baseline=baseline, with_tornado=tornado, relative_delta=relative_delta)
