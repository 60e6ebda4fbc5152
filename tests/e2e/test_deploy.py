"""python -m deploy against the emulator."""
import pytest
import requests

from sandboxes.stack import free_port


def test_setup_again_changes_nothing(stack):
    again = stack.deploy("setup")
    assert again.returncode == 0
    assert "done: 0 resource(s) changed" in again.stdout
    status = stack.deploy("status")
    assert status.returncode == 0
    assert "matches the configuration" in status.stdout


def test_dry_run_shows_the_change_and_changes_nothing(stack):
    moved = {"EXTENSION_PUBLIC_URL": "https://connector.example.test"}
    dry = stack.deploy("setup", "--dry-run", env=moved)
    assert dry.returncode == 0
    assert "https://connector.example.test/extension" in dry.stdout
    assert "nothing was changed" in dry.stdout
    assert stack.deploy("status", env=moved).returncode == 1
    assert stack.deploy("status").returncode == 0  # still the original registration


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
        ({"CTP_API_URL": f"http://127.0.0.1:{free_port()}", "CTP_AUTH_URL": f"http://127.0.0.1:{free_port()}"}, "cannot use the commercetools project"),
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
