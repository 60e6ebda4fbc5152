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


def gunicorn(stack, service: str, *options: str, **env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **stack.env, **env}
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
    started = gunicorn(stack, service, "-c", "deploy/gunicorn.conf.py", **{unset: ""})
    assert started.returncode != 0
    assert started.stderr.strip().splitlines() == [message]


@pytest.mark.parametrize(("service", "unset", "message"), MISSING_SETTINGS)
def test_without_the_projects_gunicorn_settings_too(stack, service, unset, message):
    # The app loads in the worker then; a worker that merely exited would be respawned
    # without end (and this would time out).
    started = gunicorn(stack, service, **{unset: ""})
    assert started.returncode != 0
    assert started.stderr.splitlines().count(message) == 1


@pytest.mark.parametrize("options", [(), ("-c", "deploy/gunicorn.conf.py")], ids=["plain", "project settings"])
def test_metric_files_that_cannot_be_made_stop_start_up_with_one_line(stack, tmp_path, options):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    started = gunicorn(stack, "extension", *options, PROMETHEUS_MULTIPROC_DIR=str(a_file / "metrics"))
    assert started.returncode != 0
    message = f"extension: configuration error: PROMETHEUS_MULTIPROC_DIR: metric files cannot be made in {a_file / 'metrics'} (Not a directory)"
    assert started.stderr.splitlines().count(message) == 1
