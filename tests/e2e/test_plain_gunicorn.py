"""The services under gunicorn as a platform team's own manifest may start them: no
deploy/gunicorn.conf.py, several workers of gunicorn's default (sync) worker or another
class. Every line a worker writes is still JSON."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

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
        environ = {**os.environ, **stack.env}
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

    def send_a_malformed_request(self) -> None:
        """A request line gunicorn itself refuses, so that its worker writes a line of its own."""
        with socket.create_connection(self.address, timeout=5) as connection:
            connection.sendall(b"NOT A REQUEST\r\n\r\n")
            connection.recv(1024)


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


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
