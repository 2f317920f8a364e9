"""GET /metrics: the service's gauges in Prometheus' text format, for deployment staff.

Prometheus sends the token with ``authorization: {type: Token, credentials: <key>}`` in its
scrape config. Only staff users (the deployment's operators) may read it: it spans every project.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.dashboards.selectors.service_metrics import Gauge, service_metrics


class PrometheusTextRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "prometheus"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, str):
            return data.encode()
        return str(data.get("detail", data)).encode()  # errors (401/403) as plain text


def _label_value(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def exposition(gauges: list[Gauge]) -> str:
    lines: list[str] = []
    for gauge in gauges:
        lines += [f"# HELP {gauge.name} {gauge.help}", f"# TYPE {gauge.name} gauge"]
        for labels, value in gauge.samples:
            rendered = ",".join(f'{key}="{_label_value(val)}"' for key, val in labels)
            number = str(value) if isinstance(value, int) else repr(float(value))
            lines.append(f"{gauge.name}{{{rendered}}} {number}")
    return "\n".join(lines) + "\n"


class MetricsApi(APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]
    renderer_classes = [PrometheusTextRenderer]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        text = exposition(service_metrics(now=timezone.now()))
        return Response(text, content_type="text/plain; version=0.0.4; charset=utf-8")
