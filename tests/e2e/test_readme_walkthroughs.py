"""The README's walk-throughs, run as written against the session's stack (its URLs and
client secret in place of the run command's): a README whose commands stopped working
fails here."""

import os
import re
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
    for url, attribute in RUN_COMMAND.items():
        script = script.replace(url, getattr(stack, attribute))
    script = script.replace("local-client-secret", stack.client_secret)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    finished = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
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
