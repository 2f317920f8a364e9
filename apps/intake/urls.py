"""Intake API routes, mounted under /api/ by configs/urls.py."""

from django.urls import path

from apps.intake import apis, inspection_apis

urlpatterns = [
    path(
        "projects/<id:project_id>/batches/",
        apis.ProjectBatchesApi.as_view(),
        name="intake-batch-list",
    ),
    path("batches/<id:batch_id>/", apis.BatchDetailApi.as_view(), name="intake-batch-detail"),
    path(
        "batches/<id:batch_id>/rollup/", apis.BatchRollupApi.as_view(), name="intake-batch-rollup"
    ),
    path("batches/<id:batch_id>/items/", apis.BatchItemsApi.as_view(), name="intake-batch-items"),
    path(
        "batches/<id:batch_id>/screen/", apis.BatchScreenApi.as_view(), name="intake-batch-screen"
    ),
    path(
        "batches/<id:batch_id>/screening-runs/",
        apis.BatchScreeningRunsApi.as_view(),
        name="intake-screening-runs",
    ),
    path(
        "batches/<id:batch_id>/duplicates/",
        apis.BatchDuplicatesApi.as_view(),
        name="intake-batch-duplicates",
    ),
    path(
        "batches/<id:batch_id>/release/",
        apis.BatchReleaseApi.as_view(),
        name="intake-batch-release",
    ),
    path(
        "batch-items/<id:batch_item_id>/",
        apis.BatchItemDetailApi.as_view(),
        name="intake-batch-item",
    ),
    path(
        "projects/<id:project_id>/screening-settings/",
        apis.ScreeningSettingsApi.as_view(),
        name="intake-screening-settings",
    ),
    path(
        "projects/<id:project_id>/sampling-plan/",
        inspection_apis.SamplingPlanApi.as_view(),
        name="intake-sampling-plan",
    ),
    path(
        "batches/<id:batch_id>/inspect/",
        inspection_apis.BatchInspectApi.as_view(),
        name="intake-batch-inspect",
    ),
    path(
        "batches/<id:batch_id>/inspections/",
        inspection_apis.BatchInspectionsApi.as_view(),
        name="intake-batch-inspections",
    ),
    path(
        "projects/<id:project_id>/inspections/",
        inspection_apis.ProjectInspectionsApi.as_view(),
        name="intake-inspection-list",
    ),
    path(
        "inspections/<id:inspection_id>/",
        inspection_apis.InspectionDetailApi.as_view(),
        name="intake-inspection-detail",
    ),
    path(
        "inspections/<id:inspection_id>/items/",
        inspection_apis.InspectionItemsApi.as_view(),
        name="intake-inspection-items",
    ),
    path(
        "inspections/<id:inspection_id>/items/<id:item_id>/",
        inspection_apis.InspectionItemDetailApi.as_view(),
        name="intake-inspection-item",
    ),
    path(
        "inspections/<id:inspection_id>/items/<id:item_id>/reference/",
        inspection_apis.InspectionReferenceApi.as_view(),
        name="intake-inspection-reference",
    ),
    path(
        "inspections/<id:inspection_id>/items/<id:item_id>/defects/",
        inspection_apis.InspectionDefectsApi.as_view(),
        name="intake-inspection-defects",
    ),
    path(
        "inspections/<id:inspection_id>/decide/",
        inspection_apis.InspectionDecideApi.as_view(),
        name="intake-inspection-decide",
    ),
    path(
        "projects/<id:project_id>/defect-trends/",
        inspection_apis.DefectTrendsApi.as_view(),
        name="intake-defect-trends",
    ),
]
