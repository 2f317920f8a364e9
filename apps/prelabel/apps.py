from django.apps import AppConfig


class PrelabelConfig(AppConfig):
    name = "apps.prelabel"
    label = "prelabel"
    verbose_name = "Pre-labeling (SAM 2 / GrabCut)"
