from django.apps import AppConfig
from django.urls import register_converter


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"

    def ready(self) -> None:
        from apps.common import throttling  # noqa: F401  (connects the failed sign-in counter)
        from apps.common.ids import IdConverter

        # Before any URLconf is imported: every route names its ids `<id:...>`.
        register_converter(IdConverter, "id")
