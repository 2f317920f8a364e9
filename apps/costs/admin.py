from django.contrib import admin

from apps.costs.models import Budget, CostReport, RateCard, Scenario


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cost inputs change through the API only, so every change is validated and audited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RateCard)
class RateCardAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "vendor", "cohort", "rate_unit", "rate_amount", "updated_at")
    list_filter = ("project", "rate_unit")


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ("project", "amount", "currency", "period", "per_period_amount", "updated_at")


@admin.register(Scenario)
class ScenarioAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "name", "is_baseline", "updated_at")


@admin.register(CostReport)
class CostReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "status", "created_at", "finished_at")
    list_filter = ("status",)
