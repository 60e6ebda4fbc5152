"""The services under gunicorn as a platform team's own manifest may start them: no
deploy/gunicorn.conf.py, several workers of gunicorn's default (sync) worker or another
class. /metrics still counts every worker, and the log is still JSON."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from sandboxes.stack import ROOT, free_port

# gunicorn's own line format, which its master keeps: without the project's settings the
# master never loads the app, so nothing of the connector runs in it.
GUNICORN_LINE = re.compile(r"\[[^\]]+\] \[(?P<pid>\d+)\] \[[A-Z]+\] (?P<message>.*)")


class PlainGunicorn:
    """`python -m gunicorn [options] <service>.wsgi:app` against the session's stack, its
    standard output and error in one file."""

    def __init__(self, stack, service: str, log_path: Path, *options: str, env: dict[str, str] | None = None):
        self.stack = stack
        self.log_path = log_path
        self.address = ("127.0.0.1", free_port())
        self.url = f"http://127.0.0.1:{self.address[1]}"
        # The system's temporary directory (where metric files go by default) in the test's.
        environ = {**os.environ, **stack.env, "TMPDIR": str(log_path.parent)}
        environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # unless the test sets it
        environ.update(env or {})
        command = [sys.executable, "-m", "gunicorn", *options, "--bind", self.url.removeprefix("http://")]
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, f"{service}.wsgi:app"],
                cwd=ROOT,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def __enter__(self) -> PlainGunicorn:
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited during start-up:\n{self.log()}"
            try:
                # HEAD: not among the GET /health requests that the tests count.
                if requests.head(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer within {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        """Stops gunicorn as a platform does (SIGTERM: the workers finish and exit)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def health_requests_counted(self) -> float:
        """GET /health answered 200, as this service's /metrics counts them."""
        text = requests.get(
            f"{self.url}/metrics", auth=("commercetools", self.stack.extension_password), timeout=5
        ).text
        wanted = {"endpoint": "/health", "method": "GET", "status": "200"}
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "connector_http_requests_total" and wanted.items() <= sample.labels.items()
        )

    def ask_health(self, times: int) -> None:
        for _ in range(times):  # a new connection each, so that any worker may take it
            assert requests.get(f"{self.url}/health", timeout=5).status_code == 200

    def ask_health_of_each_sync_worker(self, workers: int) -> None:
        """One GET /health per worker, each on a connection of its own: all requests are
        sent but for their last line before any is finished. A sync worker reads one
        request to its end before it accepts another connection, so each request is
        taken by another worker."""
        connections = [socket.create_connection(self.address, timeout=5) for _ in range(workers)]
        try:
            for connection in connections:
                connection.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
            for connection in connections:
                connection.sendall(b"Connection: close\r\n\r\n")
            for connection in connections:
                assert connection.makefile("rb").readline().split()[1] == b"200"
        finally:
            for connection in connections:
                connection.close()

    def send_a_malformed_request(self) -> None:
        """A request line gunicorn itself refuses, so that its worker writes a line of its own."""
        with socket.create_connection(self.address, timeout=5) as connection:
            connection.sendall(b"NOT A REQUEST\r\n\r\n")
            connection.recv(1024)

    def wait_for_log_line(self, text: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert time.monotonic() < deadline, f"no line with {text!r} within {timeout}s:\n{self.log()}"
            time.sleep(0.05)

    def pids_that_answered_health(self) -> set[int]:
        return {
            entry["pid"]
            for entry in map(json.loads, filter(_is_json_object, self.log().splitlines()))
            if entry["logger"] == "connector.access" and entry["path"] == "/health"
        }


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


@pytest.mark.parametrize("service", ["extension", "notification"])
def test_metrics_count_the_requests_of_every_worker(stack, tmp_path, service):
    workers, rounds = 3, 5
    with PlainGunicorn(stack, service, tmp_path / "gunicorn.log", "--workers", str(workers)) as server:
        before = server.health_requests_counted()
        for _ in range(rounds):
            server.ask_health_of_each_sync_worker(workers)
        assert server.health_requests_counted() - before == workers * rounds
        answering = server.pids_that_answered_health()
        assert len(answering) == workers

        # A worker that dies (killed here, as the kernel kills one out of memory) is
        # replaced; what it counted still counts, as Prometheus counters never go down.
        killed = answering.pop()
        os.kill(killed, signal.SIGKILL)
        server.wait_for_log_line(f"Worker (pid:{killed}) was sent SIGKILL")
        assert server.health_requests_counted() - before == workers * rounds


def test_masters_that_share_an_operators_directory_count_only_their_own_requests(stack, tmp_path):
    directory = tmp_path / "metrics"  # as an operator may set it, a volume say
    directory.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(directory)}
    with PlainGunicorn(stack, "extension", tmp_path / "first.log", "--workers", "2", env=env) as first:
        first.ask_health(5)
        # Another master on the same host at the same time, with the project's settings
        # (app preloaded, gevent workers).
        config = ("-c", str(ROOT / "deploy" / "gunicorn.conf.py"))
        with PlainGunicorn(stack, "extension", tmp_path / "second.log", *config, env=env) as second:
            assert second.health_requests_counted() == 0
            second.ask_health(3)
            assert second.health_requests_counted() == 3
            assert first.health_requests_counted() == 5
    # A master started after the first ended (a restarted container): the first's files
    # are an earlier run's.
    with PlainGunicorn(stack, "extension", tmp_path / "third.log", "--workers", "2", env=env) as third:
        assert third.health_requests_counted() == 0


@pytest.mark.parametrize("worker_class", ["sync", "gthread", "gevent"])
def test_every_line_a_worker_writes_is_json(stack, tmp_path, worker_class):
    options = ("--workers", "2", "--worker-class", worker_class)
    with PlainGunicorn(stack, "extension", tmp_path / "gunicorn.log", *options) as server:
        assert requests.get(f"{server.url}/nowhere", timeout=5).status_code == 404
        assert requests.get(f"{server.url}/metrics", timeout=5).status_code == 401
        refused = requests.post(
            f"{server.url}/extension", data="{", auth=("commercetools", stack.extension_password), timeout=5
        )
        assert refused.status_code == 400
        server.send_a_malformed_request()
    log = server.log()
    assert "Logging error" not in log

    master = server.process.pid
    entries = []
    for line in filter(str.strip, log.splitlines()):
        before_the_app = GUNICORN_LINE.fullmatch(line)
        if before_the_app and (
            int(before_the_app["pid"]) == master
            or before_the_app["message"] == f"Booting worker with pid: {before_the_app['pid']}"
        ):
            continue  # the master's lines, and a worker's first, written before it loads the app
        assert _is_json_object(line), f"not a JSON line: {line!r}\n\nthe whole log:\n{log}"
        entries.append(json.loads(line))

    # gunicorn's own lines from the workers are there, as JSON.
    gunicorn_lines = [entry for entry in entries if entry["logger"] == "gunicorn.error"]
    assert sum(entry["message"].startswith("Worker exiting") for entry in gunicorn_lines) == 2
    assert any(entry["message"].startswith("Invalid request") for entry in gunicorn_lines)
    access = [entry for entry in entries if entry["logger"] == "connector.access"]
    assert {(entry["path"], entry["status"]) for entry in access} >= {("/nowhere", 404), ("/metrics", 401)}
