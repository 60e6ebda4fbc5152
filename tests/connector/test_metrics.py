"""Metrics: in memory in one process; under gunicorn, in files of one directory per
master, which every worker adds to and /metrics adds up."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from connector import metrics
from sandboxes.stack import ROOT

# A gunicorn master in miniature: it forks two workers that each count one request, then a
# third that answers /metrics. With preload the app is loaded in the master before it
# forks, as deploy/gunicorn.conf.py has it; without, in each worker, as plain gunicorn.
MASTER = textwrap.dedent(
    """
    import importlib, json, os, sys

    os.environ["SERVER_SOFTWARE"] = "gunicorn/27.0.1"  # as gunicorn's master sets it
    if sys.argv[1] == "preload":
        importlib.import_module("connector.metrics")

    def worker(job):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.write(write, job(importlib.import_module("connector.metrics")) or b"")
            finally:
                os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        with os.fdopen(read, "rb") as answer:
            return answer.read()

    for _ in range(2):
        worker(lambda metrics: metrics.request_counter("extension", "/health", "GET", 200, "").inc())
    exposed = worker(lambda metrics: metrics.exposition()[0]).decode()
    print(json.dumps({"master": os.getpid(), "exposed": exposed}))
    """
)


@pytest.mark.parametrize("load", ["preload", "in each worker"])
def test_under_gunicorn_every_worker_counts_in_its_masters_directory(tmp_path, load):
    ran = subprocess.run(
        [sys.executable, "-c", MASTER, load.split()[0]],
        cwd=ROOT,
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(ran.stdout)
    assert (
        'connector_http_requests_total{endpoint="/health",method="GET",service="extension",status="200",tenant=""} 2.0'
        in (answer["exposed"])
    )
    # Nothing but the master's directory in the root, and in it the workers' files only:
    # the master, preloaded or not, made no value.
    [directory] = tmp_path.iterdir()
    assert directory.name.startswith(f"connector-metrics-{answer['master']}-")
    assert str(answer["master"]) not in {name.stem.rsplit("_", 1)[1] for name in directory.iterdir()}


def test_a_process_name_is_its_own():
    mine = metrics._process_identity(os.getpid())
    assert mine == metrics._process_identity(os.getpid())
    assert mine.startswith(f"{os.getpid()}-")
    assert metrics._process_identity(os.getppid()) != mine


def test_in_one_process_the_values_are_in_memory():
    metrics.notification_counter("nuvei", "applied").inc()
    assert metrics.commercetools_conflicts() is metrics.commercetools_conflicts()
    metrics.commercetools_conflicts().inc()
    exposed = metrics.exposition()[0].decode()
    assert 'connector_notifications_total{outcome="applied",provider="nuvei"}' in exposed
    assert "connector_commercetools_conflicts_total" in exposed
