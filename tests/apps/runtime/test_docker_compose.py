"""No Docker engine runs here, so the compose file is checked as data against the settings."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
SETTINGS_SOURCE = (ROOT / "configs" / "settings.py").read_text()
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_variables() -> set[str]:
    return set(
        re.findall(r"""os\.environ(?:\.get)?\(\s*["']([A-Z0-9_]+)["']""", SETTINGS_SOURCE)
    ) | set(
        re.findall(r"""env_(?:bool|list|count|rate)\(\s*["']([A-Z0-9_]+)["']""", SETTINGS_SOURCE)
    )


def test_services_of_the_topology_are_present():
    assert {"postgres", "redis", "web", "worker", "worker-gpu", "beat"} <= set(COMPOSE["services"])


def test_workers_consume_their_queues():
    services = COMPOSE["services"]
    assert "-Q default" in services["worker"]["command"]
    assert "-Q gpu" in services["worker-gpu"]["command"]
    assert "beat" in services["beat"]["command"]
    assert (
        "gunicorn -c configs/gunicorn.conf.py configs.wsgi:application"
        in services["web"]["command"]
    )


def test_gpu_worker_reserves_an_nvidia_device():
    devices = COMPOSE["services"]["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]


def test_app_environment_names_are_read_by_settings():
    known = settings_variables()
    for name in ("web", "worker", "worker-gpu", "beat"):
        environment = COMPOSE["services"][name]["environment"]
        unknown = set(environment) - known
        assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "LABELQC_SAM2_CHECKPOINT"} <= known


def test_web_is_healthy_only_when_ready():
    check = " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in check


def test_workers_are_healthy_only_while_their_node_answers_a_ping():
    for name in ("worker", "worker-gpu"):
        check = " ".join(COMPOSE["services"][name]["healthcheck"]["test"])
        assert "celery -A configs inspect ping" in check and "celery@$$HOSTNAME" in check, name
