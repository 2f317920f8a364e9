import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "configs.settings")
application = get_wsgi_application()
# Import every view module now rather than on each worker's first request: with gunicorn
# --preload the workers then share it, and nobody's first request waits seconds for imports.
get_resolver().check()

from configs.celery import (  # noqa: E402
    log_execution_mode,
    resend_jobs_lost_with_the_last_server,
    start_in_process_beat,
)

log_execution_mode()
resend_jobs_lost_with_the_last_server()
start_in_process_beat()
