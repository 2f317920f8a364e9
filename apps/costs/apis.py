"""Cost API: finance and project leads edit rates, budget and scenarios; finance, project leads
and admins read cost figures. Annotators, reviewers and QA managers get a 403 on every route."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.roles import COST_READERS, Role
from apps.common.views import RoleScopedApi
from apps.costs import selectors, services
from apps.costs.models import Budget, CostReport, RateCard, ReportStatus, Scenario
from apps.costs.serializers import (
    BudgetInput,
    BudgetOutput,
    CostCsvInput,
    CostReportOutput,
    CostReportStartInput,
    CostReportSummaryOutput,
    RateCardInput,
    RateCardOutput,
    ScenarioCompareInput,
    ScenarioInput,
    ScenarioOutput,
)
from apps.costs.services.tables import to_csv

COST_EDITORS = frozenset({Role.FINANCE, Role.PROJECT_LEAD, Role.ADMIN})


def valid(serializer_class: type, data: object, **kwargs: object) -> dict:
    payload = serializer_class(data=data, **kwargs)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class RateCardListApi(RoleScopedApi):
    access = {"GET": COST_READERS, "POST": COST_EDITORS}

    @extend_schema(responses=RateCardOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's rate cards, by vendor; paginated."""
        cards = selectors.rate_cards_of(project_id=self.project_id)
        return self.paginate(request, cards, RateCardOutput)

    @extend_schema(request=RateCardInput, responses={201: RateCardOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Add a rate card for a vendor, or for one cohort (the vendor then comes from the cohort).
        A 400 when the vendor and cohort already have a card, a price is invalid, or the reviewer
        rate is per hour (no reviewer time is recorded)."""
        card = services.rate_card_create(
            actor=request.user, project_id=self.project_id, data=valid(RateCardInput, request.data)
        )
        return Response(RateCardOutput(card).data, status=status.HTTP_201_CREATED)


class RateCardDetailApi(RoleScopedApi):
    access = {"GET": COST_READERS, "PATCH": COST_EDITORS, "DELETE": COST_EDITORS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            RateCard.objects.only("project_id"), pk=self.kwargs["rate_card_id"]
        ).project_id

    @extend_schema(responses=RateCardOutput)
    def get(self, request: Request, rate_card_id: int) -> Response:
        """One rate card."""
        return Response(RateCardOutput(RateCard.objects.get(pk=rate_card_id)).data)

    @extend_schema(request=RateCardInput, responses=RateCardOutput)
    def patch(self, request: Request, rate_card_id: int) -> Response:
        """Change a rate card, checked as on create; moved to another cohort it takes that cohort's
        vendor, clearing `reviewer_rate_unit` drops the reviewer rate, and null puts a cost
        assumption (`correction_effort`, `engineering_cost_per_batch`, `batch_size`,
        `remediation_cost_per_escape`) back to its configured default, as on create. Audited."""
        changes = valid(RateCardInput, request.data, partial=True)
        card = services.rate_card_update(
            actor=request.user, card=RateCard.objects.get(pk=rate_card_id), changes=changes
        )
        return Response(RateCardOutput(card).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, rate_card_id: int) -> Response:
        """Delete a rate card. Audited."""
        services.rate_card_delete(actor=request.user, card=RateCard.objects.get(pk=rate_card_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BudgetApi(RoleScopedApi):
    access = {"GET": COST_READERS, "PUT": COST_EDITORS, "DELETE": COST_EDITORS}

    def budget(self) -> Budget:
        return get_object_or_404(Budget, project_id=self.project_id)

    @extend_schema(responses=BudgetOutput)
    def get(self, request: Request, project_id: int) -> Response:
        """The project's budget; 404 when none is set."""
        return Response(BudgetOutput(self.budget()).data)

    @extend_schema(request=BudgetInput, responses=BudgetOutput)
    def put(self, request: Request, project_id: int) -> Response:
        """Create or replace the project's budget; currency and period default from the cost
        configuration, amounts must be in [0, 1e15] (400). Audited."""
        budget = services.budget_set(
            actor=request.user, project_id=self.project_id, data=valid(BudgetInput, request.data)
        )
        return Response(BudgetOutput(budget).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int) -> Response:
        """Remove the project's budget (404 when none is set). Audited."""
        services.budget_delete(actor=request.user, budget=self.budget())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScenarioListApi(RoleScopedApi):
    access = {"GET": COST_READERS, "POST": COST_EDITORS}

    @extend_schema(responses=ScenarioOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's planning scenarios, the baseline first; paginated."""
        scenarios = selectors.scenarios_of(project_id=self.project_id)
        return self.paginate(request, scenarios, ScenarioOutput)

    @extend_schema(request=ScenarioInput, responses={201: ScenarioOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Save a planning scenario; its segments are checked by the cost model and stored with
        every assumption filled in (a 400 names a bad value). Names are unique in the project; a new
        baseline replaces the previous one."""
        scenario = services.scenario_create(
            actor=request.user, project_id=self.project_id, data=valid(ScenarioInput, request.data)
        )
        return Response(ScenarioOutput(scenario).data, status=status.HTTP_201_CREATED)


class ScenarioDetailApi(RoleScopedApi):
    access = {"GET": COST_READERS, "PATCH": COST_EDITORS, "DELETE": COST_EDITORS}

    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            Scenario.objects.only("project_id"), pk=self.kwargs["scenario_id"]
        ).project_id

    @extend_schema(responses=ScenarioOutput)
    def get(self, request: Request, scenario_id: int) -> Response:
        """One planning scenario with its segments."""
        return Response(ScenarioOutput(Scenario.objects.get(pk=scenario_id)).data)

    @extend_schema(request=ScenarioInput, responses=ScenarioOutput)
    def patch(self, request: Request, scenario_id: int) -> Response:
        """Change a scenario's name, description, segments (checked as on create) or baseline flag;
        making it the baseline unsets the previous one."""
        changes = valid(ScenarioInput, request.data, partial=True)
        scenario = services.scenario_update(
            actor=request.user, scenario=Scenario.objects.get(pk=scenario_id), changes=changes
        )
        return Response(ScenarioOutput(scenario).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, scenario_id: int) -> Response:
        """Delete a planning scenario. Audited."""
        services.scenario_delete(actor=request.user, scenario=Scenario.objects.get(pk=scenario_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScenarioCompareApi(RoleScopedApi):
    """Compare stored and/or inline scenarios now (small inputs; nothing is stored)."""

    access = {"POST": COST_READERS}

    @extend_schema(request=ScenarioCompareInput, responses={200: dict})
    def post(self, request: Request, project_id: int) -> Response:
        data = valid(ScenarioCompareInput, request.data)
        result = services.compare_request(project_id=self.project_id, **data)
        return Response(result)


class CostReportListApi(RoleScopedApi):
    """Start a report (202: poll the job or the report) or list the project's reports."""

    access = {"GET": COST_READERS, "POST": COST_READERS}

    @extend_schema(responses=CostReportSummaryOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        reports = CostReport.objects.filter(project_id=self.project_id)
        return self.paginate(request, reports, CostReportSummaryOutput)

    @extend_schema(request=CostReportStartInput, responses={202: CostReportSummaryOutput})
    def post(self, request: Request, project_id: int) -> Response:
        report = services.report_start(
            actor=request.user,
            project_id=self.project_id,
            params=valid(CostReportStartInput, request.data),
        )
        report.refresh_from_db()
        return Response(CostReportSummaryOutput(report).data, status=status.HTTP_202_ACCEPTED)


class LatestCostReportApi(RoleScopedApi):
    """The newest finished cost report with its result; 404 until one has finished."""

    access = {"GET": COST_READERS}

    @extend_schema(responses=CostReportOutput)
    def get(self, request: Request, project_id: int) -> Response:
        report = selectors.latest_report(project_id=self.project_id)
        if report is None:
            raise Http404("no finished cost report yet")
        return Response(CostReportOutput(report).data)


class CostReportApiBase(RoleScopedApi):
    def project_id_from_url(self) -> int | None:
        return get_object_or_404(
            CostReport.objects.only("project_id"), pk=self.kwargs["cost_report_id"]
        ).project_id


class CostReportDetailApi(CostReportApiBase):
    """One cost report in any status: its parameters, errors, and once finished its result and the
    names of its CSV tables."""

    access = {"GET": COST_READERS}

    @extend_schema(responses=CostReportOutput)
    def get(self, request: Request, cost_report_id: int) -> Response:
        return Response(CostReportOutput(CostReport.objects.get(pk=cost_report_id)).data)


class CostReportCsvApi(CostReportApiBase):
    """One table of a finished report as CSV (the same rows as result.tables[table])."""

    access = {"GET": COST_READERS}

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # "Accept: text/csv" must not be a 406: errors fall back to JSON, success is CSV.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=[CostCsvInput],  # `table` as the enum of the report's table names
        responses={(200, "text/csv"): str},
    )
    def get(self, request: Request, cost_report_id: int) -> HttpResponse | Response:
        table = valid(CostCsvInput, request.query_params)["table"]
        report = CostReport.objects.get(pk=cost_report_id)
        if report.status != ReportStatus.SUCCEEDED:
            return Response(
                {"detail": f"the report is {report.status}, not finished"},
                status=status.HTTP_409_CONFLICT,
            )
        response = HttpResponse(
            to_csv(report.result["tables"][table]), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="cost-report-{report.pk}-{table}.csv"'
        )
        return response
