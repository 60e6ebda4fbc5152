"""python -m deploy over the tenants of a deployment, each tenant's project held in memory:
which tenants it works on, the output naming each, and the exit status, the worst
tenant's. (The commands against real projects: tests/e2e/test_tenant_deploy.py.)"""

from __future__ import annotations

import pytest

from connector.configuration import read_configuration
from connector.custom_types import CUSTOM_TYPES, PAYMENT_TYPE
from connector.tenants import FILE_VARIABLE
from deploy import __main__ as deploy
from deploy import commands
from deploy.resources import EXTENSION_KEY
from sandboxes.stack import LOCAL_TENANTS
from tests.deploy.projects import RecordingProject

# The local tenants document: shop-de, then shop-fr, each its own project of that name.
TENANTS = {FILE_VARIABLE: str(LOCAL_TENANTS), "EXTENSION_PUBLIC_URL": "https://connector.example.test"}
# What setup writes in a project that holds none of deploy's resources.
EVERYTHING = [*(custom_type.key for custom_type in CUSTOM_TYPES), EXTENSION_KEY]
# A type of ours that the project holds for orders: deploy cannot fix it by itself.
CLASHING = {PAYMENT_TYPE.key: {**PAYMENT_TYPE.draft(), "resourceTypeIds": ["order"]}}


class Projects:
    """Stands in for commands.Project: the projects deploy builds, by project key."""

    def __init__(self) -> None:
        self.built: dict[str, RecordingProject] = {}
        self.types: dict[str, dict[str, dict]] = {}  # project key → the types it holds

    def __call__(self, commercetools) -> RecordingProject:
        key = commercetools.settings.project_key
        self.built[key] = RecordingProject(self.types.get(key))
        return self.built[key]


@pytest.fixture
def projects(monkeypatch) -> Projects:
    projects = Projects()
    monkeypatch.setattr(commands, "Project", projects)
    return projects


@pytest.fixture
def deployed(monkeypatch, capsys):
    """Runs python -m deploy with these arguments and settings: its exit status, standard
    output and standard error."""

    def run(*argv: str, environ: dict[str, str] = TENANTS) -> tuple[int, str, str]:
        monkeypatch.setattr(deploy, "read_configuration", lambda: read_configuration(environ))
        status = deploy.main(list(argv))
        printed = capsys.readouterr()
        return status, printed.out, printed.err

    return run


def test_a_failing_tenant_stops_none_after_it_and_the_worst_status_is_the_exit_status(projects, deployed):
    projects.types["shop-de"] = CLASHING
    status, out, err = deployed("status")
    assert status == 2  # shop-de failed (2), shop-fr differs (1)
    assert err == (
        f"deploy: tenant shop-de: type {PAYMENT_TYPE.key} exists for ['order'], not ['payment']; remove it or rename it\n"
    )
    assert list(projects.built) == ["shop-de", "shop-fr"]
    assert out.splitlines()[-1] == "tenant shop-fr: 3 resource(s) differ; run setup"
    assert all(line.startswith(("tenant shop-de: ", "tenant shop-fr: ")) for line in out.splitlines())


def test_setup_writes_in_every_tenants_project_but_the_failing_ones(projects, deployed):
    projects.types["shop-de"] = CLASHING
    status, out, _ = deployed("setup")
    assert status == 2
    assert projects.built["shop-de"].written == []
    assert projects.built["shop-fr"].written == EVERYTHING
    assert out.splitlines()[-1] == "tenant shop-fr: done: 3 resource(s) changed"


@pytest.mark.parametrize("name", ["shop-it", ""])
def test_a_name_that_is_no_tenant_is_refused_before_any_project_is_used(projects, deployed, name):
    status, out, err = deployed("teardown", "--tenant", name)
    assert (status, out) == (2, "")
    assert err == f"deploy: configuration error: no tenant {name!r}; the tenants are shop-de, shop-fr\n"
    assert projects.built == {}


def test_without_a_document_the_one_tenant_is_default_and_no_line_names_it(projects, deployed, env):
    status, out, err = deployed("setup", "--dry-run", "--tenant", "default", environ=env)
    assert status == 0, err
    assert "  url https://connector.example.test/extension" in out.splitlines()
    assert not [line for line in out.splitlines() if line.startswith("tenant ")]
    assert projects.built["shop"].written == []
    status, _, err = deployed("status", "--tenant", "shop-de", environ=env)
    assert status == 2
    assert err.endswith("no tenant 'shop-de'; the tenants are default\n")
