"""The services under gunicorn with the production settings: a bad setting stops
start-up with one line that names it."""

import os
import subprocess
import sys

import pytest

from sandboxes.stack import ROOT, free_port

MISSING_SETTINGS = [
    ("extension", "EXTENSION_PASSWORD", "extension: configuration error: EXTENSION_PASSWORD is required"),
    ("notification", "CTP_PROJECT_KEY", "notification: configuration error: CTP_PROJECT_KEY is required"),
]


def gunicorn(stack, service: str, unset: str, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **stack.env, unset: ""}
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{free_port()}", f"{service}.wsgi:app"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(("service", "unset", "message"), MISSING_SETTINGS)
def test_a_missing_setting_stops_start_up_with_one_line(stack, service, unset, message):
    started = gunicorn(stack, service, unset, "-c", "deploy/gunicorn.conf.py")
    assert started.returncode != 0
    assert started.stderr.strip().splitlines() == [message]


@pytest.mark.parametrize(("service", "unset", "message"), MISSING_SETTINGS)
def test_without_the_projects_gunicorn_settings_too(stack, service, unset, message):
    # The app loads in the worker then; a worker that merely exited would be respawned
    # without end (and this would time out).
    started = gunicorn(stack, service, unset)
    assert started.returncode != 0
    assert started.stderr.splitlines().count(message) == 1
