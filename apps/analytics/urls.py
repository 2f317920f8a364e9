from django.urls import path

from apps.analytics import apis

urlpatterns = [
    path(
        "projects/<int:project_id>/quality-reports/",
        apis.QualityReportListApi.as_view(),
        name="report-list",
    ),
    path(
        "projects/<int:project_id>/quality-reports/latest/",
        apis.LatestQualityReportApi.as_view(),
        name="report-latest",
    ),
    path(
        "quality-reports/<int:report_id>/",
        apis.QualityReportDetailApi.as_view(),
        name="report-detail",
    ),
    path("projects/<int:project_id>/consensus/", apis.ConsensusApi.as_view(), name="consensus"),
]

from apps.analytics import flag_apis  # noqa: E402

urlpatterns += [
    path(
        "projects/<int:project_id>/fault-flags/",
        flag_apis.FaultFlagRunApi.as_view(),
        name="fault-flags",
    ),
    path(
        "projects/<int:project_id>/fault-flags/latest/",
        flag_apis.LatestFaultFlagRunApi.as_view(),
        name="fault-flags-latest",
    ),
]
