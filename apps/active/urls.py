from django.urls import path

from apps.active import apis

urlpatterns = [
    path(
        "projects/<id:project_id>/active-learning/rounds/",
        apis.ProjectRoundsApi.as_view(),
        name="al-round-list",
    ),
    path(
        "active-learning/rounds/<id:round_id>/",
        apis.RoundDetailApi.as_view(),
        name="al-round-detail",
    ),
]
