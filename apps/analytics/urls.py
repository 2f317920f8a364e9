from django.urls import path

from apps.analytics import apis

urlpatterns = [
    path(
        "projects/<id:project_id>/quality-reports/",
        apis.QualityReportListApi.as_view(),
        name="report-list",
    ),
    path(
        "projects/<id:project_id>/quality-reports/latest/",
        apis.LatestQualityReportApi.as_view(),
        name="report-latest",
    ),
    path(
        "quality-reports/<id:report_id>/",
        apis.QualityReportDetailApi.as_view(),
        name="report-detail",
    ),
    path("projects/<id:project_id>/consensus/", apis.ConsensusApi.as_view(), name="consensus"),
]

from apps.analytics import flag_apis  # noqa: E402

urlpatterns += [
    path(
        "projects/<id:project_id>/fault-flags/",
        flag_apis.FaultFlagRunApi.as_view(),
        name="fault-flags",
    ),
    path(
        "projects/<id:project_id>/fault-flags/latest/",
        flag_apis.LatestFaultFlagRunApi.as_view(),
        name="fault-flags-latest",
    ),
]

from apps.analytics import draft_apis  # noqa: E402

urlpatterns += [
    path(
        "projects/<id:project_id>/draft-review/",
        draft_apis.DraftReviewApi.as_view(),
        name="draft-review",
    ),
    path(
        "projects/<id:project_id>/draft-quality/",
        draft_apis.DraftQualityApi.as_view(),
        name="draft-quality",
    ),
]
