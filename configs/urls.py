import importlib.util

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.annotations.apis import (
    AnnotationDetailApi,
    ProjectAnnotationImportsApi,
    ProjectAnnotationsApi,
)
from apps.audit.apis import ProjectAuditApi
from apps.common.health import liveness_view, readiness_view
from apps.common.signin import AdminSigninForm, SigninTokenApi, SigninView
from apps.dashboards.metrics_api import MetricsApi
from apps.items.apis import ItemDetailApi, ItemImageApi, ProjectItemsApi
from apps.jobs.apis import JobDetailApi, ProjectJobsApi
from apps.projects.apis import (
    AnnotatorDetailApi,
    AnnotatorListApi,
    CohortDetailApi,
    CohortListApi,
    LabelClassDetailApi,
    LabelClassListApi,
    ProjectDetailApi,
    ProjectListApi,
)

api = [
    path("auth/token/", SigninTokenApi.as_view(), name="api-token"),
    path("projects/", ProjectListApi.as_view(), name="project-list"),
    path("projects/<id:project_id>/", ProjectDetailApi.as_view(), name="project-detail"),
    path("projects/<id:project_id>/classes/", LabelClassListApi.as_view(), name="class-list"),
    path("classes/<id:class_id>/", LabelClassDetailApi.as_view(), name="class-detail"),
    path("projects/<id:project_id>/cohorts/", CohortListApi.as_view(), name="cohort-list"),
    path("projects/<id:project_id>/annotators/", AnnotatorListApi.as_view(), name="annotator-list"),
    path("cohorts/<id:cohort_id>/", CohortDetailApi.as_view(), name="cohort-detail"),
    path("annotators/<id:annotator_id>/", AnnotatorDetailApi.as_view(), name="annotator-detail"),
    path("projects/<id:project_id>/items/", ProjectItemsApi.as_view(), name="item-list"),
    path("items/<id:item_id>/", ItemDetailApi.as_view(), name="item-detail"),
    path("items/<id:item_id>/image/", ItemImageApi.as_view(), name="item-image"),
    path(
        "projects/<id:project_id>/annotations/",
        ProjectAnnotationsApi.as_view(),
        name="annotation-list",
    ),
    path(
        "projects/<id:project_id>/annotations/imports/",
        ProjectAnnotationImportsApi.as_view(),
        name="annotation-import",
    ),
    path(
        "annotations/<id:annotation_id>/", AnnotationDetailApi.as_view(), name="annotation-detail"
    ),
    path("projects/<id:project_id>/audit/", ProjectAuditApi.as_view(), name="audit-list"),
    path("projects/<id:project_id>/jobs/", ProjectJobsApi.as_view(), name="job-list"),
    path("jobs/<id:job_id>/", JobDetailApi.as_view(), name="job-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]


def app_api_urls() -> list:
    """Apps may ship an `urls.py` with API routes; they are mounted under /api/."""
    patterns = []
    for app in settings.INSTALLED_APPS:
        if app.startswith("apps.") and importlib.util.find_spec(f"{app}.urls") is not None:
            patterns.append(path("api/", include(f"{app}.urls")))
    return patterns


admin.site.login_form = AdminSigninForm

urlpatterns = [
    path("healthz", liveness_view, name="healthz"),
    path("readyz", readiness_view, name="readyz"),
    path("metrics", MetricsApi.as_view(), name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/login/", SigninView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include(api)),
    *app_api_urls(),
    path("", include("apps.dashboards.page_urls")),
    path("", include("apps.intake.page_urls")),
]
