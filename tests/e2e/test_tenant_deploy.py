"""python -m deploy on the two tenants of the local tenants document (the tenant stack):
each command works on every tenant in turn, or on the one --tenant names, and touches no
other tenant's project; each tenant's extension calls its own URL with its own
credentials; a tenant that fails stops no other. Tests that change a project put both
back as setup leaves them: the stack serves the whole session."""

from __future__ import annotations

import pytest

from connector.configuration import read_configuration
from deploy.resources import (
    EXTENSION_KEY,
    FINGERPRINT_CONTAINER,
    FINGERPRINT_KEY,
    authorization_header,
    fingerprint_matches,
)
from sandboxes.emulator import EmulatorClient, payment_draft

from .deploy_support import DEPLOYED_KEYS, by_tenant, project_snapshot
from .tenant_support import with_unreachable_project

EXTENSION = f"extensions/key={EXTENSION_KEY}"
MATCHES = "the project matches the configuration"


@pytest.fixture(scope="module")
def projects(shops) -> dict[str, EmulatorClient]:
    """Each tenant's project, by tenant name, read and written as its merchant would."""
    return {name: shop.emulator() for name, shop in shops.items()}


@pytest.fixture(scope="module")
def headers(tenant_stack) -> dict[str, str]:
    """The Authorization header each tenant's extension should send, by tenant name."""
    tenants = read_configuration(tenant_stack.env).tenants
    return {name: authorization_header(tenant.settings) for name, tenant in tenants.items()}


@pytest.fixture
def redeployed(tenant_stack, projects):
    """After the test, every tenant's project as setup leaves it."""
    yield
    restored = tenant_stack.deploy("setup")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert tenant_stack.deploy("status").returncode == 0
    for project in projects.values():
        assert {found["key"] for found in project_snapshot(project).values()} == DEPLOYED_KEYS


def snapshots(projects) -> dict[str, dict]:
    return {name: project_snapshot(project) for name, project in projects.items()}


def extension_url(tenant_stack, tenant: str) -> str:
    return f"{tenant_stack.extension_url}/extension/{tenant}"


def calls_its_extension(project: EmulatorClient) -> bool:
    """Whether a payment created in the project went through the connector's extension
    (which opened its Nuvei session), as commercetools calls it with the registered header."""
    created = project.create_payment(payment_draft("nuvei"))
    assert created.status_code == 201, created.text
    return "sessionToken" in created.json().get("custom", {}).get("fields", {})


def test_status_reports_each_tenant_and_exits_0_when_both_match(tenant_stack):
    status = tenant_stack.deploy("status")
    assert status.returncode == 0, status.stdout + status.stderr
    reported = by_tenant(status.stdout)
    assert list(reported) == ["shop-de", "shop-fr"]
    for name, lines in reported.items():
        assert lines[0] == f"project {name} at {tenant_stack.emulator_url}"
        assert f"extension {EXTENSION_KEY}: up to date" in lines
        assert lines[-1] == MATCHES


def test_setup_registered_each_tenants_extension_at_its_url_with_its_credentials(tenant_stack, projects, headers):
    for name, project in projects.items():
        [other] = set(projects) - {name}
        extension = project.request("GET", EXTENSION).json()
        assert extension["destination"]["url"] == extension_url(tenant_stack, name)
        # commercetools masks the header when read back: the fingerprint setup keeps of it
        # tells which tenant's credentials it holds.
        stored = project.request("GET", f"custom-objects/{FINGERPRINT_CONTAINER}/{FINGERPRINT_KEY}").json()["value"]
        assert fingerprint_matches(stored, headers[name])
        assert not fingerprint_matches(stored, headers[other])
        # The extension service answers a tenant's URL to that tenant's credentials only.
        assert calls_its_extension(project), name


@pytest.mark.usefixtures("redeployed")
def test_a_change_in_one_project_is_reported_for_its_tenant_only(tenant_stack, projects, headers):
    fr = projects["shop-fr"]
    # shop-fr's extension sent to shop-de's URL, as a copy-and-paste slip would.
    extension = fr.request("GET", EXTENSION).json()
    misdirected = {
        **extension["destination"],
        "url": extension_url(tenant_stack, "shop-de"),
        "authentication": {"type": "AuthorizationHeader", "headerValue": headers["shop-fr"]},
    }
    action = {"action": "changeDestination", "destination": misdirected}
    changed = fr.request("POST", EXTENSION, json={"version": extension["version"], "actions": [action]})
    assert changed.status_code == 200, changed.text

    status = tenant_stack.deploy("status")
    assert status.returncode == 1, status.stdout + status.stderr
    reported = by_tenant(status.stdout)
    assert reported["shop-de"][-1] == MATCHES
    moved = f"{extension_url(tenant_stack, 'shop-de')} → {extension_url(tenant_stack, 'shop-fr')}"
    assert f"extension {EXTENSION_KEY}: destination {moved}" in reported["shop-fr"]
    assert reported["shop-fr"][-1] == "1 resource(s) differ; run setup"

    other = tenant_stack.deploy("status", "--tenant", "shop-de")
    assert other.returncode == 0, other.stdout + other.stderr
    assert list(by_tenant(other.stdout)) == ["shop-de"]
    assert tenant_stack.deploy("status", "--tenant", "shop-fr").returncode == 1

    de_before = project_snapshot(projects["shop-de"])
    repaired = tenant_stack.deploy("setup", "--tenant", "shop-fr")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert by_tenant(repaired.stdout)["shop-fr"][-1] == "done: 1 resource(s) changed"
    assert list(by_tenant(repaired.stdout)) == ["shop-fr"]
    assert fr.request("GET", EXTENSION).json()["destination"]["url"] == extension_url(tenant_stack, "shop-fr")
    assert project_snapshot(projects["shop-de"]) == de_before


def test_a_dry_run_for_one_tenant_names_it_only_and_changes_nothing(tenant_stack, projects):
    moved = {"EXTENSION_PUBLIC_URL": "https://connector.example.test"}
    before = snapshots(projects)
    dry = tenant_stack.deploy("setup", "--tenant", "shop-de", "--dry-run", env=moved)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    reported = by_tenant(dry.stdout)
    assert list(reported) == ["shop-de"]
    change = f"{extension_url(tenant_stack, 'shop-de')} → https://connector.example.test/extension/shop-de"
    assert f"would change extension {EXTENSION_KEY}: destination {change}" in reported["shop-de"]
    assert reported["shop-de"][-1] == "dry run: 1 resource(s) would change; nothing was changed"
    assert snapshots(projects) == before


@pytest.mark.usefixtures("redeployed")
def test_teardown_of_one_tenant_removes_its_extension_only_and_setup_puts_it_back(tenant_stack, projects, headers):
    de, fr = projects["shop-de"], projects["shop-fr"]
    de_before = project_snapshot(de)
    removed = tenant_stack.deploy("teardown", "--tenant", "shop-fr")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert by_tenant(removed.stdout) == {
        "shop-fr": [
            f"project shop-fr at {tenant_stack.emulator_url}",
            f"extension {EXTENSION_KEY}: removed",
            "custom types are kept: payments use them",
        ]
    }
    assert fr.request("GET", EXTENSION).status_code == 404
    assert {found["key"] for found in project_snapshot(fr).values()} == DEPLOYED_KEYS - {EXTENSION_KEY, FINGERPRINT_KEY}
    assert not calls_its_extension(fr)
    assert project_snapshot(de) == de_before

    status = tenant_stack.deploy("status")
    assert status.returncode == 1
    assert [line for line in by_tenant(status.stdout)["shop-fr"] if "differ" in line] == [
        "1 resource(s) differ; run setup"
    ]
    assert by_tenant(status.stdout)["shop-de"][-1] == MATCHES

    setup = tenant_stack.deploy("setup")
    assert setup.returncode == 0, setup.stdout + setup.stderr
    reported = by_tenant(setup.stdout)
    assert reported["shop-de"][-1] == "done: 0 resource(s) changed"
    assert f"extension {EXTENSION_KEY}: create" in reported["shop-fr"]
    assert f"  url {extension_url(tenant_stack, 'shop-fr')}" in reported["shop-fr"]
    assert reported["shop-fr"][-1] == "done: 1 resource(s) changed"
    assert project_snapshot(de) == de_before
    assert fr.request("GET", EXTENSION).json()["destination"]["url"] == extension_url(tenant_stack, "shop-fr")
    stored = fr.request("GET", f"custom-objects/{FINGERPRINT_CONTAINER}/{FINGERPRINT_KEY}").json()["value"]
    assert fingerprint_matches(stored, headers["shop-fr"])
    assert calls_its_extension(fr)


@pytest.mark.parametrize("command", ["setup", "setup --dry-run", "status", "teardown"])
def test_an_unknown_tenant_exits_non_zero_naming_the_tenants_and_touches_nothing(tenant_stack, projects, command):
    emulator = projects["shop-de"]
    emulator.reset_stats()
    refused = tenant_stack.deploy(*command.split(), "--tenant", "shop-it")
    assert refused.returncode == 2
    assert (
        refused.stderr.strip() == "deploy: configuration error: no tenant 'shop-it'; the tenants are shop-de, shop-fr"
    )
    assert refused.stdout == ""
    assert emulator.stats()["requests"] == 0


@pytest.mark.parametrize(
    ("command", "done"), [("setup", "done: 0 resource(s) changed"), ("status", MATCHES)], ids=["setup", "status"]
)
def test_a_tenant_whose_project_is_unreachable_fails_and_the_next_is_still_handled(
    tenant_stack, projects, command, done
):
    before = snapshots(projects)
    run = tenant_stack.deploy(command, env=with_unreachable_project(tenant_stack, "shop-de"))
    assert run.returncode == 2, run.stdout + run.stderr
    [failure] = run.stderr.strip().splitlines()
    assert failure.startswith("deploy: tenant shop-de: cannot use the commercetools project: commercetools unreachable")
    reported = by_tenant(run.stdout)
    assert done not in reported["shop-de"]
    assert reported["shop-fr"][-1] == done
    assert snapshots(projects) == before
