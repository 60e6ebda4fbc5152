"""python -m notification.reconcile on the two tenants of the local tenants document (the
tenant stack): a run for one tenant settles that tenant's payments only, asking the
tenant's own Nuvei account; a run without --tenant settles every tenant's, one after
another, and a tenant that fails stops no other."""

from __future__ import annotations

import json

import pytest

from .conftest import NuveiSandbox
from .modification_support import printed, run_reconcile, transactions
from .nuvei_support import paid_without_dmn, reconcile, summary
from .tenant_support import with_unreachable_project


@pytest.fixture
def lost(shops) -> dict[str, tuple[dict, dict]]:
    """In each tenant's project, a Nuvei payment whose DMN the tenant's account lost: the
    payment as stored, and the DMN. By tenant name."""
    return {
        name: paid_without_dmn(shop.emulator(), NuveiSandbox(shop.sandboxes["nuvei"])) for name, shop in shops.items()
    }


def stored(shops, tenant: str, payment: dict) -> dict:
    return shops[tenant].emulator().get_payment(payment["id"])


def settled_as(dmn: dict) -> list[tuple]:
    """The transactions of a payment once the DMN's Auth of 19.99 is applied."""
    return [("Authorization", "Success", dmn["TransactionID"], 1999)]


def summaries(stdout: str) -> dict[str, dict]:
    """The run's summary lines, by the tenant each names, in the order printed."""
    return {line["tenant"]: line for line in printed(stdout, "reconciliation.summary")}


def test_a_run_for_one_tenant_settles_its_payments_only_and_a_run_for_all_the_others(tenant_stack, shops, lost):
    (de_payment, de_dmn), (fr_payment, fr_dmn) = lost["shop-de"], lost["shop-fr"]

    one = reconcile(tenant_stack, "--tenant", "shop-de")
    assert one.returncode == 0, one.stdout + one.stderr
    lines = [json.loads(line) for line in one.stdout.splitlines()]
    assert lines and {line["tenant"] for line in lines} == {"shop-de"}
    assert summary(one.stdout)["changed"] >= 1
    de_settled = stored(shops, "shop-de", de_payment)
    assert transactions(de_settled) == settled_as(de_dmn)
    assert stored(shops, "shop-fr", fr_payment) == fr_payment

    every = reconcile(tenant_stack)
    assert every.returncode == 0, every.stdout + every.stderr
    assert list(summaries(every.stdout)) == ["shop-de", "shop-fr"]
    assert summaries(every.stdout)["shop-fr"]["changed"] >= 1
    assert transactions(stored(shops, "shop-fr", fr_payment)) == settled_as(fr_dmn)
    assert stored(shops, "shop-de", de_payment) == de_settled


def test_a_tenant_whose_project_is_unreachable_fails_and_the_next_is_still_settled(tenant_stack, shops, lost):
    (de_payment, _), (fr_payment, fr_dmn) = lost["shop-de"], lost["shop-fr"]
    run = reconcile(tenant_stack, env=with_unreachable_project(tenant_stack, "shop-de"))
    assert run.returncode == 1, run.stdout + run.stderr
    reported = summaries(run.stdout)
    assert list(reported) == ["shop-de", "shop-fr"]
    assert reported["shop-de"]["commercetoolsFailed"] is True
    assert reported["shop-fr"]["commercetoolsFailed"] is False and reported["shop-fr"]["changed"] >= 1
    assert transactions(stored(shops, "shop-fr", fr_payment)) == settled_as(fr_dmn)
    assert stored(shops, "shop-de", de_payment) == de_payment
    stopped = [json.loads(line) for line in run.stderr.splitlines() if "commercetools failed" in line]
    assert stopped and {line["tenant"] for line in stopped} == {"shop-de"}


def test_an_unknown_tenant_exits_non_zero_and_touches_nothing(tenant_stack, shops):
    emulator = shops["shop-de"].emulator()
    emulator.reset_stats()
    refused = run_reconcile(tenant_stack, "--tenant", "shop-it")
    assert refused.returncode == 2
    assert refused.stderr.strip() == "reconcile: no tenant 'shop-it'; the tenants are shop-de, shop-fr"
    assert refused.stdout == ""
    assert emulator.stats()["requests"] == 0
