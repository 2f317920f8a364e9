"""Intake API routes, mounted under /api/ by configs/urls.py."""

from django.urls import path

from apps.intake import apis, inspection_apis

urlpatterns = [
    path(
        "projects/<int:project_id>/batches/",
        apis.ProjectBatchesApi.as_view(),
        name="intake-batch-list",
    ),
    path("batches/<int:batch_id>/", apis.BatchDetailApi.as_view(), name="intake-batch-detail"),
    path(
        "batches/<int:batch_id>/rollup/", apis.BatchRollupApi.as_view(), name="intake-batch-rollup"
    ),
    path("batches/<int:batch_id>/items/", apis.BatchItemsApi.as_view(), name="intake-batch-items"),
    path(
        "batches/<int:batch_id>/screen/", apis.BatchScreenApi.as_view(), name="intake-batch-screen"
    ),
    path(
        "batches/<int:batch_id>/screening-runs/",
        apis.BatchScreeningRunsApi.as_view(),
        name="intake-screening-runs",
    ),
    path(
        "batches/<int:batch_id>/duplicates/",
        apis.BatchDuplicatesApi.as_view(),
        name="intake-batch-duplicates",
    ),
    path(
        "batches/<int:batch_id>/release/",
        apis.BatchReleaseApi.as_view(),
        name="intake-batch-release",
    ),
    path(
        "batch-items/<int:batch_item_id>/",
        apis.BatchItemDetailApi.as_view(),
        name="intake-batch-item",
    ),
    path(
        "projects/<int:project_id>/screening-settings/",
        apis.ScreeningSettingsApi.as_view(),
        name="intake-screening-settings",
    ),
    path(
        "projects/<int:project_id>/sampling-plan/",
        inspection_apis.SamplingPlanApi.as_view(),
        name="intake-sampling-plan",
    ),
    path(
        "batches/<int:batch_id>/inspect/",
        inspection_apis.BatchInspectApi.as_view(),
        name="intake-batch-inspect",
    ),
    path(
        "batches/<int:batch_id>/inspections/",
        inspection_apis.BatchInspectionsApi.as_view(),
        name="intake-batch-inspections",
    ),
    path(
        "projects/<int:project_id>/inspections/",
        inspection_apis.ProjectInspectionsApi.as_view(),
        name="intake-inspection-list",
    ),
    path(
        "inspections/<int:inspection_id>/",
        inspection_apis.InspectionDetailApi.as_view(),
        name="intake-inspection-detail",
    ),
    path(
        "inspections/<int:inspection_id>/items/",
        inspection_apis.InspectionItemsApi.as_view(),
        name="intake-inspection-items",
    ),
    path(
        "inspections/<int:inspection_id>/items/<int:item_id>/",
        inspection_apis.InspectionItemDetailApi.as_view(),
        name="intake-inspection-item",
    ),
    path(
        "inspections/<int:inspection_id>/items/<int:item_id>/reference/",
        inspection_apis.InspectionReferenceApi.as_view(),
        name="intake-inspection-reference",
    ),
    path(
        "inspections/<int:inspection_id>/items/<int:item_id>/defects/",
        inspection_apis.InspectionDefectsApi.as_view(),
        name="intake-inspection-defects",
    ),
    path(
        "inspections/<int:inspection_id>/decide/",
        inspection_apis.InspectionDecideApi.as_view(),
        name="intake-inspection-decide",
    ),
    path(
        "projects/<int:project_id>/defect-trends/",
        inspection_apis.DefectTrendsApi.as_view(),
        name="intake-defect-trends",
    ),
]
