"""Intake pages (not under /api/): mounted at the site root by configs/urls.py."""

from django.urls import path

from apps.intake import views

urlpatterns = [
    path("projects/<id:project_id>/batches/", views.batches_page, name="intake-batches-page"),
    path("batches/<id:batch_id>/", views.batch_page, name="intake-batch-page"),
]
