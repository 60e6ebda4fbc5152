"""python -m deploy against the emulator."""

import pytest
import requests

from connector.providers import read_settings
from deploy.resources import EXTENSION_KEY, authorization_header
from sandboxes.stack import free_port

from .deploy_support import DEPLOYED_KEYS, project_snapshot


def test_setup_again_changes_nothing(stack, emulator):
    before = project_snapshot(emulator)
    assert {found["key"] for found in before.values()} == DEPLOYED_KEYS
    again = stack.deploy("setup")
    assert again.returncode == 0
    assert "done: 0 resource(s) changed" in again.stdout
    assert project_snapshot(emulator) == before
    status = stack.deploy("status")
    assert status.returncode == 0
    assert "matches the configuration" in status.stdout


def test_dry_run_shows_the_change_and_changes_nothing(stack, emulator):
    moved = {"EXTENSION_PUBLIC_URL": "https://connector.example.test", "EXTENSION_PASSWORD": "rotated-password"}
    before = project_snapshot(emulator)
    dry = stack.deploy("setup", "--dry-run", env=moved)
    assert dry.returncode == 0
    assert "→ https://connector.example.test/extension, authorization header" in dry.stdout
    assert "nothing was changed" in dry.stdout
    assert project_snapshot(emulator) == before
    assert stack.deploy("status", env=moved).returncode == 1
    assert stack.deploy("status").returncode == 0  # still the original registration


def test_dry_run_lists_the_extension_it_would_create_and_creates_nothing(stack, emulator):
    header = authorization_header(read_settings(stack.env))
    try:
        assert stack.deploy("teardown").returncode == 0
        before = project_snapshot(emulator)
        dry = stack.deploy("setup", "--dry-run")
        assert dry.returncode == 0
        assert f"would change extension {EXTENSION_KEY}: create" in dry.stdout
        for detail in (
            f"url {stack.extension_url}/extension",
            "trigger payment Create, Update",
            "condition paymentMethodInfo is defined",
            "timeout 10000 ms",
            "authorization Basic, user",
        ):
            assert f"\n  {detail}" in dry.stdout
        assert header.removeprefix("Basic ") not in dry.stdout
        assert stack.env["EXTENSION_PASSWORD"] not in dry.stdout
        assert project_snapshot(emulator) == before
    finally:
        assert stack.deploy("setup").returncode == 0


def test_rotated_credentials_are_noticed_and_applied(stack):
    rotated = {"EXTENSION_PASSWORD": "rotated-password"}
    try:
        assert stack.deploy("status", env=rotated).returncode == 1
        applied = stack.deploy("setup", env=rotated)
        assert "authorization header" in applied.stdout
        assert stack.deploy("status", env=rotated).returncode == 0
    finally:
        assert stack.deploy("setup").returncode == 0
    assert stack.deploy("status").returncode == 0


def test_teardown_removes_the_extension(stack, emulator):
    try:
        removed = stack.deploy("teardown")
        assert removed.returncode == 0 and "removed" in removed.stdout
        assert stack.deploy("status").returncode == 1
        assert emulator.request("GET", "extensions/key=payment-connector-extension").status_code == 404
    finally:
        assert stack.deploy("setup").returncode == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CTP_CLIENT_SECRET": "wrong"}, "refused the client credentials"),
        (
            {"CTP_API_URL": f"http://127.0.0.1:{free_port()}", "CTP_AUTH_URL": f"http://127.0.0.1:{free_port()}"},
            "cannot use the commercetools project",
        ),
        ({"EXTENSION_PUBLIC_URL": ""}, "EXTENSION_PUBLIC_URL is required"),
    ],
)
def test_failures_are_one_clear_line(stack, env, message):
    failed = stack.deploy("setup", env=env)
    assert failed.returncode == 2
    assert message in failed.stderr
    assert "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1


def test_the_registered_extension_calls_the_service(stack, emulator):
    [extension] = emulator.request("GET", "extensions").json()["results"]
    assert extension["destination"]["url"] == f"{stack.extension_url}/extension"
    assert extension["timeoutInMs"] == 10000
    assert requests.get(f"{stack.extension_url}/health", timeout=5).status_code == 200
