"""Rate cards and the budget: validated through labelqc.cost, audited, atomic."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.audit.services import audit, audited_change, snapshot
from apps.common.exceptions import ServiceValidationError, unique_or_400
from apps.costs.defaults import cost_defaults
from apps.costs.domain import pure_card
from apps.costs.models import Budget, RateCard, RateUnit
from apps.costs.selectors import card_values, vendor_label
from apps.projects.models import Cohort
from labelqc.cost.limits import MAX_BUDGET_AMOUNT

CARD_FIELDS = (
    "vendor",
    "cohort",
    "rate_unit",
    "rate_amount",
    "reviewer_rate_unit",
    "reviewer_rate_amount",
    "correction_effort",
    "engineering_cost_per_batch",
    "batch_size",
    "remediation_cost_per_escape",
    "notes",
)
BUDGET_FIELDS = ("amount", "currency", "period", "per_period_amount", "planned_labels")


def _cohort(project_id: int, cohort_id: int | None) -> Cohort | None:
    if cohort_id is None:
        return None
    cohort = Cohort.objects.filter(pk=cohort_id, project_id=project_id).first()
    if cohort is None:
        raise ServiceValidationError(f"cohort {cohort_id} is not in this project", field="cohort")
    return cohort


def _resolve_vendor(cohort: Cohort | None, vendor: str | None) -> str:
    vendor = (vendor or "").strip()
    if cohort is None:
        if not vendor:
            raise ServiceValidationError("name the vendor, or give a cohort", field="vendor")
        return vendor
    label = vendor_label(cohort)
    if vendor and vendor != label:
        raise ServiceValidationError(
            f"must be the cohort's vendor {label!r} (or be left out)", field="vendor"
        )
    return label


def _check(project_id: int, values: dict[str, Any], card_id: int | None) -> dict[str, Any]:
    """Resolve the cohort and vendor, validate every price through labelqc.cost."""
    cohort = _cohort(project_id, values.get("cohort"))
    values["vendor"] = _resolve_vendor(cohort, values.get("vendor"))
    if values.get("reviewer_rate_unit") == RateUnit.HOUR:
        raise ServiceValidationError(
            "per-hour reviewer rates cannot be priced from actuals: the workflow records no "
            "reviewer time; use a per-label or per-object review rate",
            field="reviewer_rate_unit",
        )
    pure_card({**values, "cohort_id": values.get("cohort")})
    clash = RateCard.objects.filter(
        project_id=project_id, vendor=values["vendor"], cohort_id=values.get("cohort")
    ).exclude(pk=card_id)
    if clash.exists():
        raise ServiceValidationError(
            f"vendor {values['vendor']!r} already has a rate card for this cohort",
            field="cohort" if values.get("cohort") else "vendor",
        )
    values["reviewer_rate_unit"] = values.get("reviewer_rate_unit") or ""
    return values


@transaction.atomic
def rate_card_create(*, actor: Any, project_id: int, data: dict[str, Any]) -> RateCard:
    values = {**cost_defaults().rate_card, **{k: v for k, v in data.items() if v is not None}}
    values.setdefault("reviewer_rate_amount", None)
    values = _check(project_id, {k: values.get(k) for k in CARD_FIELDS}, None)
    with unique_or_400("vendor", "this vendor and cohort already have a rate card"):
        card = RateCard.objects.create(
            project_id=project_id,
            cohort_id=values.pop("cohort"),
            **{**values, "notes": values.get("notes") or ""},
        )
    audit(
        actor=actor,
        project_id=project_id,
        action="cost.rate_card.create",
        entity=card,
        after=snapshot(card),
    )
    return card


@transaction.atomic
def rate_card_update(*, actor: Any, card: RateCard, changes: dict[str, Any]) -> RateCard:
    card = RateCard.objects.select_for_update().get(pk=card.pk)
    current = {**card_values(card), "cohort": card.cohort_id, "notes": card.notes}
    # null means "the default" as on create: clearing a value puts the configured default back.
    defaults = cost_defaults().rate_card
    changes = {k: defaults[k] if v is None and k in defaults else v for k, v in changes.items()}
    if "reviewer_rate_unit" in changes and not changes["reviewer_rate_unit"]:
        changes.setdefault("reviewer_rate_amount", None)  # dropping the reviewer rate
    if changes.get("cohort") is not None and "vendor" not in changes:
        changes["vendor"] = None  # a card moved to another cohort takes that cohort's vendor
    values = _check(
        card.project_id, {k: {**current, **changes}.get(k) for k in CARD_FIELDS}, card.pk
    )
    with audited_change(actor=actor, action="cost.rate_card.update", entity=card):
        card.cohort_id = values.pop("cohort")
        for key, value in values.items():
            setattr(card, key, "" if key == "notes" and value is None else value)
        with unique_or_400("vendor", "this vendor and cohort already have a rate card"):
            card.save()
    return card


@transaction.atomic
def rate_card_delete(*, actor: Any, card: RateCard) -> None:
    audit(
        actor=actor,
        project_id=card.project_id,
        action="cost.rate_card.delete",
        entity=card,
        before=snapshot(card),
    )
    card.delete()


def _check_budget(values: dict[str, Any]) -> None:
    """Amounts in [0, MAX_BUDGET_AMOUNT] (the API checks the same; the demo seed calls here)."""
    for field in ("amount", "per_period_amount"):
        value = values.get(field)
        if value is not None and not 0 <= value <= MAX_BUDGET_AMOUNT:  # NaN fails too
            raise ServiceValidationError(
                f"must be a number in [0, {MAX_BUDGET_AMOUNT:g}]", field=field
            )


@transaction.atomic
def budget_set(*, actor: Any, project_id: int, data: dict[str, Any]) -> Budget:
    """Create or replace the project's budget (currency and period default from the config)."""
    defaults = cost_defaults()
    values = {"currency": defaults.currency, "period": defaults.period, **data}
    values = {k: values.get(k) for k in BUDGET_FIELDS}
    _check_budget(values)
    existing = Budget.objects.select_for_update().filter(project_id=project_id).first()
    before = snapshot(existing) if existing else None
    with unique_or_400("non_field_errors", "the budget was set concurrently; try again"):
        budget, _ = Budget.objects.update_or_create(project_id=project_id, defaults=values)
    audit(
        actor=actor,
        project_id=project_id,
        action="cost.budget.set",
        entity=budget,
        before=before,
        after=snapshot(budget),
    )
    return budget


@transaction.atomic
def budget_delete(*, actor: Any, budget: Budget) -> None:
    audit(
        actor=actor,
        project_id=budget.project_id,
        action="cost.budget.delete",
        entity=budget,
        before=snapshot(budget),
    )
    budget.delete()
