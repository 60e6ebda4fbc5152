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
        "1. POST /extension, Nuvei Create",
        "CPU per Nuvei Create vs the passthrough",
        "3. POST /extension, Nuvei capture",
        "4. provider answering in 300 ms",
        "5. Nuvei DMNs",
        "6. RSS per extension worker",
        "start-up",
        "7. CPU share",
        "busiest functions",
    ):
        assert figure in table
    for provider in REGISTRY:  # every provider's checkout and notifications, so a slow adapter shows
        assert f"2. POST /extension, {provider} Create" in table
        assert f"5. {provider} notification" in table
    assert table.startswith("# Benchmark results") and "generated from here" in table
    assert "CPU split (py-spy" in table
    failures = re.findall(r"failures (\d+)", table)
    assert failures and set(failures) == {"0"}
