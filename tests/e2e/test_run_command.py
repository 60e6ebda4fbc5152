"""The run command (./dev.sh run), started as a person starts it, with one tenant and with
the two of --tenants: every registered provider's demo ends with the provider's
notification recorded on the payment, in the demo's tenant's project only, the provider
called with that tenant's account."""

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
# Each tenant of sandboxes/local-tenants.yaml: the account of each provider.
LOCAL_ACCOUNTS = {
    tenant: {provider: "kustom-eu" if provider == "kustom" else f"{provider}-{country}" for provider in REGISTRY}
    for tenant, country in (("shop-de", "de"), ("shop-fr", "fr"))
}


@pytest.fixture(scope="module", params=[(), ("--tenants",)], ids=["one tenant", "two tenants"])
def run_command(request):
    """The run command's output up to "running", and a client for each tenant's project
    in its emulator, which keeps running until the tests here are done."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sandboxes", "--free-ports", *request.param],
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
        url = re.search(r"commercetools emulator +(\S+)", output).group(1)
        projects = {
            tenant: EmulatorClient(url, project, client, secret)
            for tenant, project, client, secret in re.findall(
                r"tenant (\S+): project (\S+) \(client (\S+) / (\S+)\)", output
            )
        }
        yield output, projects
    finally:
        process.terminate()
        process.wait(timeout=30)


def demo_blocks(output: str, tenants: list[str]) -> dict[str, str]:
    """Each tenant's part of the demos' output."""
    if tenants == ["default"]:
        return {"default": output}
    return {tenant: output.split(f"── tenant {tenant} ")[1].split("── tenant ", maxsplit=1)[0] for tenant in tenants}


def test_every_provider_demo_ends_with_its_transaction_on_the_payment_of_its_tenant(run_command):
    output, projects = run_command
    assert sorted(projects) in (["default"], sorted(LOCAL_ACCOUNTS))
    for tenant, block in demo_blocks(output, list(projects)).items():
        demos = {
            provider: (payment_id, account)
            for provider, payment_id, account in re.findall(
                r"^\d+\. (\w+) +payment (\S+) created, .* \(account (\S+)\)", block, re.MULTILINE
            )
        }
        assert sorted(demos) == sorted(REGISTRY), tenant
        for provider, (payment_id, account) in demos.items():
            assert account == LOCAL_ACCOUNTS.get(tenant, {}).get(provider, provider)
            transactions = projects[tenant].get_payment(payment_id)["transactions"]
            assert [(t["type"], t["state"]) for t in transactions] == [EXPECTED[provider]], provider
            for other, project in projects.items():
                assert other == tenant or project.get_payment(payment_id) is None, (provider, other)
            step = block.split(f"payment {payment_id} created")[1].split("\n\n")[0]
            assert "notification service 200 " in step and f"now holds {' '.join(EXPECTED[provider])} " in step, step


def test_the_help_shows_how_to_make_every_provider_sandbox_send_its_notification(run_command):
    output, _ = run_command
    help_text = output.split("Try it yourself")[1]
    for provider in REGISTRY:
        assert re.search(rf"^  {provider} +curl -s -X POST .*/{provider}(-\w+)?/_sandbox/", help_text, re.MULTILINE), (
            provider
        )
