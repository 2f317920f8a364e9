"""Pull + submit throughput and latency against the real server (gunicorn on loopback, PostgreSQL).

Starts gunicorn on 127.0.0.1 with a throwaway PostgreSQL database, seeds one project with
items and N annotators (tokens), then runs N concurrent simulated annotators, each looping
"POST queue/next -> POST assignments/{id}/submit" with keep-alive connections for a fixed time.
Prints requests/s and p50/p95/p99 latency per endpoint. Targets (issue 4): >= 300 requests/s and
p99 <= 250 ms with 50 annotators on a 2-core machine.

It also prints the CPU time spent per request by the server (gunicorn workers), PostgreSQL and
the load generator, read from /proc (Linux): on a shared machine the wall-clock figures depend on
what else runs, while CPU per request does not, and 2 cores / (CPU per request) is the throughput
the same code would reach on two dedicated cores.

    PYTHONPATH=src .venv/bin/python bench/bench_queue.py [--annotators 50] [--seconds 30] [--workers 3]
    PYTHONPATH=src .venv/bin/python bench/bench_queue.py --rate 300   # p99 at 300 requests/s offered

Closed loop (the default) measures the most the server does: each annotator sends its next
request as soon as the last is answered, so the mean latency is simply 50 / throughput. Open
loop (`--rate`) offers a fixed load, the annotators' pairs due on a schedule, and measures the
latency at that load, counted from when each pair was due.

The server runs with configs/gunicorn.conf.py (the production settings) and the worker, thread
and per-worker connection counts given here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DB = "labelqc_bench"
PG = "postgres://postgres@127.0.0.1:5432"


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int], children: bool = False) -> float:
    """user + system CPU of the processes (and of their reaped children when asked)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if children:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / TICKS


def child_pids(parent: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return [int(pid) for pid in found.split()]


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True).stdout
    return [int(pid) for pid in found.split()]


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def seed(env: dict[str, str], annotators: int, items: int) -> tuple[int, list[str]]:
    code = f"""
import django, json
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from apps.items.models import Item
from apps.projects.models import Annotator, LabelClass, Project
project = Project.objects.create(name="bench", overlap=3, honeypot_initial_count=0, honeypot_rate=0.0)
LabelClass.objects.create(project=project, name="car")
Item.objects.bulk_create(Item(project=project, width=640, height=480, file_name=f"{{i}}.jpg") for i in range({items}))
from apps.workflow.services.queue import ensure_slots
ensure_slots(project_id=project.pk)  # a released batch has its queue slots
tokens = []
for i in range({annotators}):
    user = get_user_model().objects.create_user(f"bench{{i}}")
    Annotator.objects.create(project=project, user=user, role="annotator")
    tokens.append(Token.objects.create(user=user).key)
print(json.dumps({{"project": project.pk, "class": project.classes.first().pk, "tokens": tokens}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["project"], data["class"], data["tokens"]


def request(
    connection: http.client.HTTPConnection, path: str, body: bytes, headers: dict
) -> tuple[int, bytes]:
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def annotator(
    port: int,
    token: str,
    project: int,
    label_class: int,
    stop: float,
    samples: dict,
    lock,
    pairs_per_second: float = 0.0,
) -> None:
    """Loop pull + submit; with `pairs_per_second`, start pairs on a fixed schedule (open loop).

    Open loop: a pair's pull latency counts from when it was due, not when it was sent, so a
    slow server is not excused by the client waiting for it (no coordinated omission).
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    local: dict[str, list[float]] = {"next": [], "submit": [], "errors": []}
    due = time.perf_counter() + (random.random() / pairs_per_second if pairs_per_second else 0.0)
    while time.monotonic() < stop:
        if pairs_per_second:
            time.sleep(max(0.0, due - time.perf_counter()))
            started, due = due, due + 1.0 / pairs_per_second
        else:
            started = time.perf_counter()
        try:
            status, body = request(connection, f"/api/projects/{project}/queue/next/", b"", headers)
        except (OSError, http.client.HTTPException) as exc:
            local["errors"].append(type(exc).__name__)
            connection.close()
            continue
        local["next"].append(time.perf_counter() - started)
        if status == 204:
            break
        if status != 200:
            local["errors"].append(status)
            continue
        assignment = json.loads(body)["id"]
        shape = {
            "label_class": label_class,
            "geometry_type": "box",
            "geometry": {"x": 10, "y": 10, "w": 50, "h": 40},
        }
        payload = json.dumps({"annotations": [shape], "client_seconds": 3.0}).encode()
        started = time.perf_counter()
        try:
            status, _ = request(
                connection, f"/api/assignments/{assignment}/submit/", payload, headers
            )
        except (OSError, http.client.HTTPException) as exc:
            local["errors"].append(type(exc).__name__)
            connection.close()
            continue
        local["submit"].append(time.perf_counter() - started)
        if status != 201:
            local["errors"].append(status)
    with lock:
        for key, values in local.items():
            samples[key].extend(values)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--worker-connections",
        type=int,
        default=0,
        help="connections one worker takes (0: an even share of the annotators, plus one)",
    )
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop: offered requests/s over all annotators (0: closed loop, as fast as served)",
    )
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args()
    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "LABELQC_ENV": "production",
        "SECRET_KEY": "bench",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "configs.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("REDIS_URL", None)
    static_root = ROOT / "var" / "bench-static"
    static_root.mkdir(parents=True, exist_ok=True)
    env["LABELQC_STATIC_ROOT"] = str(static_root)
    run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB}"], env)
    run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {DB}"], env)
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    project, label_class, tokens = seed(env, args.annotators, args.items)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "configs/gunicorn.conf.py",
            "configs.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-connections",
            str(args.worker_connections or -(-args.annotators // args.workers) + 1),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
                probe.request("GET", "/accounts/login/")
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        samples: dict[str, list] = {"next": [], "submit": [], "errors": []}
        lock = threading.Lock()
        workers = child_pids(server.pid)
        load_before = os.getloadavg()[0]
        pg = postgres_pids()
        server_cpu, pg_cpu, client_cpu = (
            cpu_seconds(workers),
            cpu_seconds(pg, True),
            time.process_time(),
        )
        stop = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(
                target=annotator,
                args=(args.port, t, project, label_class, stop, samples, lock),
                # A pair is two requests: each annotator offers its share of --rate.
                kwargs={"pairs_per_second": args.rate / 2 / len(tokens)},
            )
            for t in tokens
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        server_cpu = cpu_seconds(workers) - server_cpu
        pg_cpu = cpu_seconds(postgres_pids(), True) - pg_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = len(samples["next"]) + len(samples["submit"])
    print(
        f"annotators {args.annotators}, gunicorn workers {args.workers}, {elapsed:.1f} s, "
        f"{total} requests, errors {len(samples['errors'])} {sorted(set(map(str, samples['errors'])))[:5]}"
    )
    mode = f"open loop, {args.rate:.0f} requests/s offered" if args.rate else "closed loop"
    print(f"throughput ({mode}): {total / elapsed:.0f} requests/s (target >= 300)")
    for name in ("next", "submit"):
        values = np.array(samples[name]) * 1000
        if values.size:
            p50, p95, p99 = np.percentile(values, [50, 95, 99])
            print(
                f"{name:>6}: n={values.size}  p50 {p50:.0f} ms  p95 {p95:.0f} ms  p99 {p99:.0f} ms (target p99 <= 250)"
            )
    both = np.array(samples["next"] + samples["submit"]) * 1000
    if both.size:
        print(f"   all: p99 {np.percentile(both, 99):.0f} ms")
    if total:
        per = {"server": server_cpu, "PostgreSQL": pg_cpu, "load generator": client_cpu}
        print(
            "CPU per request: "
            + ", ".join(f"{k} {v / total * 1000:.2f} ms" for k, v in per.items())
        )
        print(
            f"1-minute load average before the run: {load_before:.1f} (other work on the machine)"
        )
        everything = sum(per.values()) / total
        print(
            f"on 2 dedicated cores: {2 / everything:.0f} requests/s (server + PostgreSQL + load "
            f"generator), {2 / ((server_cpu + pg_cpu) / total):.0f} requests/s with the load "
            "generator elsewhere"
        )


if __name__ == "__main__":
    main()
