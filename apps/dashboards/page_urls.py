"""Page routes (not under /api/): mounted at the site root by configs/urls.py."""

from django.urls import path

from apps.dashboards import views

urlpatterns = [
    path("", views.home, name="dash-home"),
    path("vendor/plotly.min.js", views.plotly_js, name="dash-plotly-js"),
    path("projects/<id:project_id>/queue/", views.QueuePage.as_view(), name="dash-queue"),
    path("projects/<id:project_id>/lead/", views.LeadPage.as_view(), name="dash-lead"),
    path("projects/<id:project_id>/qa/", views.QaPage.as_view(), name="dash-qa"),
    path("projects/<id:project_id>/finance/", views.FinancePage.as_view(), name="dash-finance"),
]
