from django.urls import path

from apps.costs import apis

urlpatterns = [
    path(
        "projects/<id:project_id>/costs/rate-cards/",
        apis.RateCardListApi.as_view(),
        name="cost-rate-card-list",
    ),
    path(
        "cost-rate-cards/<id:rate_card_id>/",
        apis.RateCardDetailApi.as_view(),
        name="cost-rate-card-detail",
    ),
    path("projects/<id:project_id>/costs/budget/", apis.BudgetApi.as_view(), name="cost-budget"),
    path(
        "projects/<id:project_id>/costs/scenarios/",
        apis.ScenarioListApi.as_view(),
        name="cost-scenario-list",
    ),
    path(
        "projects/<id:project_id>/costs/scenarios/compare/",
        apis.ScenarioCompareApi.as_view(),
        name="cost-scenario-compare",
    ),
    path(
        "cost-scenarios/<id:scenario_id>/",
        apis.ScenarioDetailApi.as_view(),
        name="cost-scenario-detail",
    ),
    path(
        "projects/<id:project_id>/costs/reports/",
        apis.CostReportListApi.as_view(),
        name="cost-report-list",
    ),
    path(
        "projects/<id:project_id>/costs/reports/latest/",
        apis.LatestCostReportApi.as_view(),
        name="cost-report-latest",
    ),
    path(
        "cost-reports/<id:cost_report_id>/",
        apis.CostReportDetailApi.as_view(),
        name="cost-report-detail",
    ),
    path(
        "cost-reports/<id:cost_report_id>/csv/",
        apis.CostReportCsvApi.as_view(),
        name="cost-report-csv",
    ),
]
