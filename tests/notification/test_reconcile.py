"""python -m notification.reconcile's choice of tenants, each tenant's run stood in for:
every tenant in turn or the one named, a name that is no tenant refused before any run,
and a failed tenant stopping none after it. (Runs against real projects and sandboxes:
tests/e2e/test_reconcile.py and tests/e2e/test_tenant_reconcile.py.)"""

from __future__ import annotations

import pytest

from connector.configuration import read_configuration
from connector.tenants import FILE_VARIABLE
from notification import reconcile
from sandboxes.stack import LOCAL_TENANTS
from tests import tenant_documents

# The local tenants document: shop-de, then shop-fr.
TENANTS = {FILE_VARIABLE: str(LOCAL_TENANTS)}


@pytest.fixture
def reconciled(monkeypatch) -> list[str]:
    """The tenants whose run started, in order; shop-de's fails."""
    started: list[str] = []

    def run(built, args) -> bool:
        started.append(built.tenant.name)
        return built.tenant.name == "shop-de"

    monkeypatch.setattr(reconcile, "read_configuration", lambda: read_configuration(TENANTS))
    monkeypatch.setattr(reconcile, "_reconcile", run)
    monkeypatch.setattr(reconcile.logs, "configure", lambda service, level: None)  # the process's logging
    return started


def test_every_tenant_in_turn_a_failed_one_stopping_none(reconciled):
    assert reconcile.main([]) == 1
    assert reconciled == ["shop-de", "shop-fr"]


def test_the_named_tenant_only(reconciled):
    assert reconcile.main(["--tenant", "shop-fr"]) == 0
    assert reconciled == ["shop-fr"]


@pytest.mark.parametrize("name", ["shop-it", ""])
def test_a_name_that_is_no_tenant_is_refused_before_any_run(reconciled, capsys, name):
    assert reconcile.main(["--tenant", name]) == 2
    assert reconciled == []
    assert capsys.readouterr().err == f"reconcile: no tenant {name!r}; the tenants are shop-de, shop-fr\n"


def test_provider_runs_the_tenants_that_use_it_and_fails_where_none_does(monkeypatch, reconciled):
    one_uses_nuvei = tenant_documents.configuration(tenant_documents.document({"shop-a": "nuvei-a", "shop-b": None}))
    monkeypatch.setattr(reconcile, "read_configuration", lambda: one_uses_nuvei)
    assert reconcile.main(["--provider", "nuvei"]) == 0
    assert reconciled == ["shop-a"]  # shop-b has no Nuvei payment to reconcile
    reconciled.clear()
    assert reconcile.main(["--provider", "optty"]) == 0  # stood-in runs: each tenant reports the mistake itself
    assert reconciled == ["shop-a", "shop-b"]
