"""The benchmark still runs: once, with tiny counts (the figures themselves are for
`./dev.sh bench`, never asserted in a test)."""

import re
import shutil
import subprocess
import sys

import pytest

from connector.providers import REGISTRY
from sandboxes.stack import ROOT


@pytest.mark.skipif(shutil.which("wrk") is None, reason="the benchmark's load generator wrk is not installed")
def test_the_quick_benchmark_produces_every_figure(tmp_path):
    output = tmp_path / "results.md"
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-3000:]
    table = output.read_text()
    assert "cores" in table
    for figure in (
        "wrk's ceiling",
        "1. POST /extension",
        "2. provider answering",
        "3. Nuvei DMNs",
        "5. RSS per extension worker",
        "start-up",
        "6. CPU share",
    ):
        assert figure in table
    for provider in REGISTRY:  # figure 4 runs every provider, so a slow adapter shows
        assert f"4. POST /extension, {provider} Create" in table
    assert "CPU split (py-spy" in table
    failures = re.findall(r"failures (\d+)", table)
    assert failures and set(failures) == {"0"}
