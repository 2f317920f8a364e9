from __future__ import annotations

import pytest

from tests.apps.runtime.embedded_python import run_python

SETUP = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='configs.settings'; django.setup();"
    "from django.conf import settings;"
)


def test_production_refuses_to_start_without_secret_key():
    result = run_python(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='configs.settings'; django.setup()",
        LABELQC_ENV="production",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_embedded_default_is_sqlite_and_eager():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='configs.settings'; django.setup();"
        "from django.conf import settings; from configs.celery import app;"
        "print(settings.DATABASES['default']['ENGINE'], app.conf.task_always_eager)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def test_environment_selects_postgres_and_a_broker():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='configs.settings'; django.setup();"
        "from django.conf import settings; from configs.celery import app;"
        "print(settings.DATABASES['default']['ENGINE'], app.conf.task_always_eager, app.conf.broker_url)"
    )
    result = run_python(
        code, DATABASE_URL="postgres://u@db:5432/x", REDIS_URL="redis://cache:6379/0"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "redis://cache:6379/0",
    ]


def test_tasks_route_to_their_queue():
    from configs.celery import route_task

    assert route_task("labelqc.prelabel.run_job", (), {}, {}) == {"queue": "gpu"}
    assert route_task("labelqc.annotations.import_records", (), {}, {}) == {"queue": "default"}


def test_postgres_prepares_statements_unless_turned_off():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='configs.settings';"
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    )
    url = "postgres://postgres@127.0.0.1:5432/test"
    assert run_python(code, DATABASE_URL=url).stdout.strip() == "5"
    off = run_python(code, DATABASE_URL=url, LABELQC_DB_PREPARE_THRESHOLD="off")
    assert off.stdout.strip() == "None", off.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LABELQC_THROTTLE_PROMPT", "120 per minute", "LABELQC_THROTTLE_PROMPT must be a rate"),
        ("LABELQC_THROTTLE_PROMPT", "0/min", "LABELQC_THROTTLE_PROMPT must be a rate"),
        ("LABELQC_SIGNIN_FAILURES", "0", "LABELQC_SIGNIN_FAILURES must be a whole number"),
        ("LABELQC_SIGNIN_WINDOW_SECONDS", "ten", "LABELQC_SIGNIN_WINDOW_SECONDS must be"),
        ("LABELQC_TOKEN_MAX_AGE_DAYS", "0", "LABELQC_TOKEN_MAX_AGE_DAYS must be a whole number"),
        ("LABELQC_NUM_PROXIES", "-1", "LABELQC_NUM_PROXIES must be a whole number of at least 0"),
    ],
)
def test_bad_throttle_settings_stop_start_up_naming_the_variable(variable, value, message):
    result = run_python(SETUP, **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_throttle_settings_are_read_from_the_environment():
    code = SETUP + (
        "from rest_framework.settings import api_settings as a;"
        "print(a.DEFAULT_THROTTLE_RATES['item_prompt'], a.NUM_PROXIES,"
        " settings.LABELQC_SIGNIN_FAILURES, settings.LABELQC_SIGNIN_WINDOW_SECONDS)"
    )
    result = run_python(
        code,
        LABELQC_THROTTLE_PROMPT="30/min",
        LABELQC_NUM_PROXIES="1",
        LABELQC_SIGNIN_FAILURES="5",
        LABELQC_SIGNIN_WINDOW_SECONDS="60",
    )
    assert result.stdout.split() == ["30/min", "1", "5", "60"], result.stderr
