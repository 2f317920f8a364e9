"""gunicorn settings for the API (`gunicorn -c configs/gunicorn.conf.py configs.wsgi:application`).

Measured with bench/bench_queue.py (docs/benchmarks.md): threaded workers, the app imported
once before forking (`preload_app`), and a cap on each worker's open connections so keep-alive
clients spread over all workers instead of piling onto whichever accepted first.
Every value can be overridden from the environment (GUNICORN_WORKERS, ...).
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Concurrent keep-alive connections one worker takes before it leaves accepting to the others.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "100"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None


def pre_fork(server, worker):
    # The preloaded app's objects live as long as the process: moved out of the collector's
    # sight, a full collection in a worker no longer walks them (shorter pauses, and pages stay
    # shared with the master instead of being copied on write).
    gc.freeze()
