from django.urls import path

from apps.prelabel import apis

urlpatterns = [
    path(
        "projects/<int:project_id>/prelabel-jobs/",
        apis.ProjectPrelabelJobsApi.as_view(),
        name="prelabel-job-list",
    ),
    path(
        "prelabel-jobs/<int:job_id>/items/",
        apis.PrelabelJobItemsApi.as_view(),
        name="prelabel-job-items",
    ),
    path(
        "projects/<int:project_id>/prelabel/backend/",
        apis.ProjectPrelabelBackendApi.as_view(),
        name="prelabel-backend",
    ),
    path("items/<int:item_id>/prompt/", apis.ItemPromptApi.as_view(), name="item-prompt"),
    path(
        "projects/<int:project_id>/videos/<int:video_id>/propagate/",
        apis.VideoPropagateApi.as_view(),
        name="video-propagate",
    ),
    path(
        "videos/<int:video_id>/review-flags/",
        apis.VideoReviewFlagsApi.as_view(),
        name="video-review-flags",
    ),
]
