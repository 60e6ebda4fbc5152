"""The services under gunicorn with the production settings: a bad setting stops
start-up with one line that names it."""
import os
import subprocess
import sys

import pytest

from sandboxes.stack import ROOT, free_port


@pytest.mark.parametrize(
    ("service", "unset", "message"),
    [
        ("extension", "EXTENSION_PASSWORD", "extension: configuration error: EXTENSION_PASSWORD is required"),
        ("notification", "CTP_PROJECT_KEY", "notification: configuration error: CTP_PROJECT_KEY is required"),
    ],
)
def test_a_missing_setting_stops_start_up_with_one_line(stack, service, unset, message):
    env = {**os.environ, **stack.env, unset: ""}
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{free_port()}", f"{service}.wsgi:app"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert started.returncode != 0
    assert started.stderr.strip().splitlines() == [message]
