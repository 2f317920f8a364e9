from django.urls import path

from apps.interop import apis

urlpatterns = [
    path(
        "projects/<id:project_id>/imports/",
        apis.ProjectImportsApi.as_view(),
        name="interop-import",
    ),
    path(
        "projects/<id:project_id>/exports/",
        apis.ProjectExportsApi.as_view(),
        name="interop-export",
    ),
    path("jobs/<id:job_id>/download/", apis.JobDownloadApi.as_view(), name="job-download"),
]
