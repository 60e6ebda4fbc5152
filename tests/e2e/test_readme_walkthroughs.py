"""The README's walk-throughs, run as written against the session's stack (its URLs and
client secret in place of the run command's): a README whose commands stopped working
fails here."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from sandboxes.stack import ROOT

RUN_COMMAND = {"http://127.0.0.1:8989": "emulator_url", "http://127.0.0.1:8990": "sandboxes_url"}


def walkthrough(name: str) -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(
        rf"<!-- walkthrough: {re.escape(name)} -->\n```sh\n(.*?)```\n<!-- walkthrough end -->", readme, re.S
    )
    assert found, f"README.md has no walk-through {name!r}"
    return found.group(1)


def run(stack, script: str) -> str:
    """The commands in bash, as a user's shell runs them (a pipe's status is its last
    command's), with the session's stack in place of the run command's."""
    for url, attribute in RUN_COMMAND.items():
        script = script.replace(url, getattr(stack, attribute))
    script = script.replace("local-client-secret", stack.client_secret)
    settings = " ".join(shlex.quote(f"{name}={value}") for name, value in stack.env.items())
    script = script.replace("$(./dev.sh run --env)", settings)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    finished = subprocess.run(
        ["bash", "-eu", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def test_capture_refund_and_cancel_as_the_readme_shows(stack):
    shown = run(stack, walkthrough("capture, refund, cancel")).splitlines()
    end_of_nuvei = max(index for index, line in enumerate(shown) if line.startswith("  nuvei holds")) + 1
    nuvei, kustom = shown[:end_of_nuvei], shown[end_of_nuvei:]
    # Each step's last lines: the transaction it added, carried out.
    for lines, captured, refunded, cancelled in ((nuvei, 2000, 500, 3000), (kustom, 1000, 300, 999)):
        assert f"  Charge Success {captured}" in lines
        assert f"  Refund Success {refunded}" in lines
        assert f"  CancelAuthorization Success {cancelled}" in lines
        assert not any("Initial" in line or "Failure" in line for line in lines)
    assert "  nuvei holds Settle APPROVED 20.00" in nuvei
    assert "  nuvei holds Credit APPROVED 5.00" in nuvei
    assert "  nuvei holds Void APPROVED 30.00" in nuvei
    assert any(line.startswith("  kustom holds") and "captured 1000 refunded 300" in line for line in kustom)


def test_a_lost_notification_is_settled_by_the_reconcile_command_as_the_readme_shows(stack):
    """The session's emulator holds other tests' payments too; the walk-through's own is
    the one whose transactions it prints."""
    shown = run(stack, walkthrough("reconciliation")).splitlines()
    before, first_run, after, second_run = shown
    assert (before, after) == ("  []", "  [('Authorization', 'Success')]")
    assert json.loads(first_run)["event"] == json.loads(second_run)["event"] == "reconciliation.summary"
    assert json.loads(first_run)["byProvider"]["nuvei"]["changed"] >= 1
