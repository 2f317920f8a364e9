"""LABELQC_INPROCESS_TASKS=thread (bin/demo's server): starting a job answers at once, the job
runs on the background task thread against the SQLite file, and the API shows it finish.

Runs in a subprocess with its own data folder, so the database is a real SQLite file (WAL) shared
by the request thread and the task thread, as under bin/demo. The pre-label run is gated on an
event that opens only after the POST has answered: in the "inline" mode the POST itself would
wait on the gate, and the test would fail.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.apps.runtime.embedded_python import run_python

SCRIPT = r"""
import json, threading, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
import apps.prelabel.tasks as tasks
from apps.demo.services import seed_demo

project = seed_demo(n_items=12)
item_ids = list(project.items.order_by("pk").values_list("pk", flat=True)[:3])
gate = threading.Event()
ran_on = []
run = tasks.prelabel_job_run

def gated(job_id):
    ran_on.append(threading.current_thread().name)
    if not gate.wait(30):
        raise RuntimeError("the gate never opened: the POST waited for the job")
    return run(job_id)

tasks.prelabel_job_run = gated
client = APIClient()
client.force_authenticate(get_user_model().objects.get(username="admin"))
response = client.post(
    f"/api/projects/{project.pk}/prelabel-jobs/", {"selection": "ids", "item_ids": item_ids}, format="json"
)
job_id = response.json()["id"]
before = client.get(f"/api/jobs/{job_id}/").json()
gate.set()
deadline = time.monotonic() + 180
while True:
    job = client.get(f"/api/jobs/{job_id}/").json()
    if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
        break
    time.sleep(0.2)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
print(json.dumps({
    "post": response.status_code, "before": before["status"], "after": job["status"],
    "done": job["progress_done"], "total": job["progress_total"], "failures": job["failures"],
    "ran_on": ran_on, "journal": journal,
}))
"""


def run_in_thread_mode(script: str, var_dir: Path, timeout: int) -> tuple[dict, str]:
    """Runs the script on a fresh embedded SQLite in thread mode: the JSON line it printed last,
    and its log."""
    done = run_python(
        script,
        timeout=timeout,
        DJANGO_SETTINGS_MODULE="configs.settings",
        LABELQC_VAR_DIR=str(var_dir),
        LABELQC_INPROCESS_TASKS="thread",
        LOG_LEVEL="WARNING",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_thread_mode_answers_before_the_job_runs_and_the_job_finishes(tmp_path: Path) -> None:
    outcome, log = run_in_thread_mode(SCRIPT, tmp_path, timeout=600)
    assert outcome["post"] == 202
    assert outcome["before"] == "pending"  # answered while the job waited at the gate
    assert outcome["ran_on"] and outcome["ran_on"][0].startswith("labelqc-task")
    assert outcome["after"] == "succeeded", log[-3000:]
    assert outcome["total"] == 3 and outcome["done"] + outcome["failures"] == 3
    assert outcome["journal"] == "wal"


RESTART_SCRIPT = r"""
import json, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from apps.annotations.models import Annotation
from apps.items.models import Item
from apps.jobs.models import Job
from apps.projects.models import LabelClass, Project

project = Project.objects.create(name="restart")
label = LabelClass.objects.create(project=project, name="car")
item = Item.objects.create(project=project, width=8, height=8, file_name="a.jpg", sha256="0" * 64)
record = {"item": item.pk, "label_class": label.pk, "geometry_type": "tag", "source": "gold"}
# Queued by a server that died before its task thread ran them: sent, still pending.
lost = Job.objects.create(
    kind="annotations.import", project=project, payload=[record], progress_total=1,
    sends=1, sent_at=timezone.now(),
)
never_sent = Job.objects.create(kind="interop.export", project=project, params={"out": "/tmp/x"})
# Running in a server process that is gone (claimed just now, so not stale by age).
import socket, subprocess, sys
gone = subprocess.Popen([sys.executable, "-c", "pass"])
gone.wait()
other = Item.objects.create(project=project, width=8, height=8, file_name="b.jpg", sha256="1" * 64)
second = {**record, "item": other.pk}
interrupted = Job.objects.create(
    kind="annotations.import", project=project, payload=[second], progress_total=1,
    sends=1, sent_at=timezone.now(), status="running", started_at=timezone.now(),
    claimed_by=f"{socket.gethostname()}:{gone.pid}",
)

import configs.wsgi  # the new server starts

deadline = time.monotonic() + 60
unfinished = ("pending", "running")
while (
    Job.objects.filter(pk__in=(lost.pk, interrupted.pk), status__in=unfinished).exists()
    and time.monotonic() < deadline
):
    time.sleep(0.1)
time.sleep(0.5)
lost.refresh_from_db()
print(json.dumps({
    "lost": lost.status, "sends": lost.sends, "annotations": Annotation.objects.count(),
    "interrupted": Job.objects.get(pk=interrupted.pk).status,
    "errors": Job.objects.get(pk=interrupted.pk).errors,
    "never_sent": Job.objects.get(pk=never_sent.pk).status,
}))
"""


def test_a_restarted_server_runs_the_jobs_the_last_one_left_unfinished(tmp_path: Path) -> None:
    outcome, log = run_in_thread_mode(RESTART_SCRIPT, tmp_path, timeout=300)
    assert outcome == {
        "lost": "succeeded",
        "sends": 2,
        "annotations": 2,
        "interrupted": "succeeded",
        "errors": [],
        "never_sent": "pending",
    }
    assert "re-sent job" in log


BEAT_SCRIPT = r"""
import json, time
from datetime import timedelta
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from apps.demo.services import seed_demo
from apps.workflow.models import Alert, Review
from apps.workflow.services.sla import OPEN_REVIEWS
from configs.celery import app

seed_demo(n_items=12)
first, second = Review.objects.filter(status__in=OPEN_REVIEWS).exclude(
    pk__in=[int(a.key.split(":")[1]) for a in Alert.objects.filter(kind="queue_sla")]
).order_by("pk")[:2]
past = timezone.now() - timedelta(hours=1)
Review.objects.filter(pk=first.pk).update(due_at=past)
app.conf.beat_schedule = {"check-slas": {"task": "labelqc.workflow.check_slas", "schedule": 0.5}}

def alerted(review):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Alert.objects.filter(key=f"review:{review.pk}").exists():
            return True
        time.sleep(0.1)
    return False

import configs.wsgi  # the server starts, and with it the in-process beat

at_start = alerted(first)
Review.objects.filter(pk=second.pk).update(due_at=past)
later = alerted(second)  # only a second beat run can see this one
time.sleep(1.2)  # more runs record nothing twice
print(json.dumps({
    "at_start": at_start, "later": later,
    "alerts": Alert.objects.filter(key__in=[f"review:{first.pk}", f"review:{second.pk}"]).count(),
}))
"""


def test_thread_mode_runs_the_beat_schedule_so_sla_breaches_raise_alerts(tmp_path: Path) -> None:
    outcome, log = run_in_thread_mode(BEAT_SCRIPT, tmp_path, timeout=300)
    assert outcome == {"at_start": True, "later": True, "alerts": 2}, log[-3000:]


def test_an_unknown_inprocess_mode_is_refused(tmp_path: Path) -> None:
    done = run_python(
        "import django; django.setup()",
        DJANGO_SETTINGS_MODULE="configs.settings",
        LABELQC_VAR_DIR=str(tmp_path),
        LABELQC_INPROCESS_TASKS="threads",
    )
    assert done.returncode != 0
    assert "LABELQC_INPROCESS_TASKS must be 'inline' or 'thread'" in done.stderr
