from django.apps import AppConfig


class ActiveConfig(AppConfig):
    name = "apps.active"
    label = "active"
    verbose_name = "Active learning"
