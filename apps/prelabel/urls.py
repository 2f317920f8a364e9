from django.urls import path

from apps.prelabel import apis

urlpatterns = [
    path(
        "projects/<id:project_id>/prelabel-jobs/",
        apis.ProjectPrelabelJobsApi.as_view(),
        name="prelabel-job-list",
    ),
    path(
        "prelabel-jobs/<id:job_id>/items/",
        apis.PrelabelJobItemsApi.as_view(),
        name="prelabel-job-items",
    ),
    path(
        "projects/<id:project_id>/prelabel/backend/",
        apis.ProjectPrelabelBackendApi.as_view(),
        name="prelabel-backend",
    ),
    path("items/<id:item_id>/prompt/", apis.ItemPromptApi.as_view(), name="item-prompt"),
    path(
        "projects/<id:project_id>/videos/<id:video_id>/propagate/",
        apis.VideoPropagateApi.as_view(),
        name="video-propagate",
    ),
    path(
        "videos/<id:video_id>/review-flags/",
        apis.VideoReviewFlagsApi.as_view(),
        name="video-review-flags",
    ),
]
