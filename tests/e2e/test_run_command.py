"""The run command (./dev.sh run), started once as a person starts it: every registered
provider's demo ends with the provider's notification recorded on the payment."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from connector.providers import REGISTRY
from sandboxes.emulator import EmulatorClient
from sandboxes.stack import ROOT

# The transaction each provider's demo leaves once the sandbox has sent its notification.
EXPECTED = {
    "nuvei": ("Authorization", "Success"),
    "optty": ("Authorization", "Success"),
    "kustom": ("Authorization", "Success"),
    "paynova": ("Authorization", "Success"),
    "nexway": ("Charge", "Success"),
}


@pytest.fixture(scope="module")
def run_command():
    """The run command's output up to "running", and a client for its emulator, which
    keeps running until the tests here are done."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sandboxes", "--free-ports"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = ""
        for line in process.stdout:
            output += line
            if line.startswith("running;"):
                break
        assert output.endswith("running; press Ctrl-C to stop\n"), output
        url, project, client, secret = re.search(
            r"commercetools emulator +(\S+) +\(project (\S+), client (\S+) / (\S+)\)", output
        ).groups()
        yield output, EmulatorClient(url, project, client, secret)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_every_provider_demo_ends_with_its_transaction_on_the_payment(run_command):
    output, emulator = run_command
    demos = dict(re.findall(r"^\d+\. (\w+) +payment (\S+) created", output, re.MULTILINE))
    assert sorted(demos) == sorted(REGISTRY)
    for provider, payment_id in demos.items():
        transactions = emulator.get_payment(payment_id)["transactions"]
        assert [(t["type"], t["state"]) for t in transactions] == [EXPECTED[provider]], provider
        block = output.split(f"payment {payment_id} created")[1].split("\n\n")[0]
        assert "notification service 200 " in block and f"now holds {' '.join(EXPECTED[provider])} " in block, block


def test_the_help_shows_how_to_make_every_provider_sandbox_send_its_notification(run_command):
    output, _ = run_command
    help_text = output.split("Try it yourself")[1]
    for provider in REGISTRY:
        assert re.search(rf"^  {provider} +curl -s -X POST .*/{provider}/_sandbox/", help_text, re.MULTILINE), provider
