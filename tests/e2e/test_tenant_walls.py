"""The walls between tenants, tried from outside: the two tenants of the local tenants
document (sandboxes/local-tenants.yaml; each its own project, each provider its own
account, except Kustom's one account, which both share), served by two replicas of each
service. Every attempt to cross a wall is refused and changes neither project."""

from __future__ import annotations

import uuid

import pytest
import requests
import yaml

from connector.providers import REGISTRY
from sandboxes.emulator import payment_draft
from sandboxes.kits import kits
from sandboxes.stack import LOCAL_TENANTS

from .demo_support import paid_through_demo, redeliver

KITS = kits()
# The providers with an account in each tenant of the local tenants document.
PROVIDERS = sorted(yaml.safe_load(LOCAL_TENANTS.read_text())["tenants"]["shop-de"]["providers"])


def refused_elsewhere(provider: str) -> int:
    """How a provider's notification at another tenant's URL is refused: a signed one (or
    one with Basic credentials) fails the other account's check, 401; an unsigned one
    names an order that the other account does not know, or, through an account both
    tenants share, a payment that the other tenant's project does not hold, 400."""
    fuzzing = KITS[provider].fuzzing
    return 401 if fuzzing.sign or fuzzing.basic_credentials else 400


def test_the_local_tenants_have_an_account_of_every_provider():
    assert sorted(REGISTRY) == PROVIDERS


def snapshot(shop) -> dict[str, int]:
    """The tenant's payments: their versions, by id."""
    return {payment["id"]: payment["version"] for payment in shop.emulator().payments()}


@pytest.fixture
def projects_unchanged(shops):
    """Asserts, after the test, that neither project changed."""
    before = {name: snapshot(shop) for name, shop in shops.items()}
    yield
    assert {name: snapshot(shop) for name, shop in shops.items()} == before


def post_json(url: str, body: dict, auth: tuple[str, str] | None) -> requests.Response:
    return requests.post(url, json=body, auth=auth, timeout=30)


def extension_body() -> dict:
    payment = {"id": str(uuid.uuid4()), "version": 1, **payment_draft("nuvei")}
    return {"action": "Create", "resource": {"typeId": "payment", "id": payment["id"], "obj": payment}}


@pytest.mark.usefixtures("projects_unchanged")
def test_a_tenants_credentials_open_its_own_urls_only(tenant_stack, shops):
    de, fr = shops["shop-de"], shops["shop-fr"]
    open_order = {"clientUniqueId": str(uuid.uuid4()), "currency": "EUR", "amount": "10.00"}
    for base in [tenant_stack.extension_url, *tenant_stack.instances("extension").values()]:
        for path, body in ((f"/extension/{fr.name}", extension_body()), (f"/openOrder/{fr.name}", open_order)):
            for credentials in (de.extension_credentials, None, (fr.extension_credentials[0], "wrong")):
                refused = post_json(f"{base}{path}", body, credentials)
                assert refused.status_code == 401, (base, path, credentials and credentials[0])
            if path.startswith("/extension/"):
                assert refused.json()["errors"][0]["code"] == "Unauthorized"
            else:
                assert "message" in refused.json()
        # Its own credentials pass the door: a payment the project lacks is the next refusal.
        own = post_json(f"{base}/openOrder/{fr.name}", open_order, fr.extension_credentials)
        assert own.status_code == 400, own.text
    for service in (tenant_stack.extension_url, tenant_stack.notification_url):
        assert requests.get(f"{service}/metrics", auth=de.extension_credentials, timeout=5).status_code == 401
        assert requests.get(f"{service}/metrics", auth=("operations", "local-operations-password"), timeout=5).ok


def test_an_unknown_tenant_is_a_404_that_touches_nothing(tenant_stack, shops):
    emulator = shops["shop-de"].emulator()
    emulator.reset_stats()
    credentials = shops["shop-de"].extension_credentials
    extension = post_json(f"{tenant_stack.extension_url}/extension/shop-it", extension_body(), credentials)
    assert extension.status_code == 404
    [error] = extension.json()["errors"]  # commercetools' error format
    assert "shop-it" in error["message"] and error["code"]
    open_order = {"clientUniqueId": str(uuid.uuid4()), "currency": "EUR", "amount": "10.00"}
    assert post_json(f"{tenant_stack.extension_url}/openOrder/shop-it", open_order, credentials).status_code == 404
    bare = post_json(f"{tenant_stack.extension_url}/extension", extension_body(), credentials)
    assert bare.status_code == 404  # the bare URL is the tenant "default", which this document lacks
    for provider in REGISTRY:
        answer = post_json(f"{tenant_stack.notification_url}/notifications/{provider}/shop-it", {}, None)
        assert answer.status_code == 404 and "message" in answer.json(), provider
    assert emulator.stats()["requests"] == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_notification_for_one_tenant_is_refused_at_another_tenants_url(tenant_stack, shops, provider):
    de, fr = shops["shop-de"], shops["shop-fr"]
    paid_through_demo(de.emulator(), de.sandboxes[provider], provider)  # at shop-de's own URL
    before = {name: snapshot(shop) for name, shop in shops.items()}

    elsewhere = f"{tenant_stack.notification_url}/notifications/{provider}/{fr.name}"
    redelivered = redeliver(de.sandboxes[provider], tenant=de.name, to=elsewhere)

    assert redelivered["status"] == refused_elsewhere(provider), redelivered
    assert {name: snapshot(shop) for name, shop in shops.items()} == before


def test_a_payment_of_one_project_is_unknown_at_another_tenants_open_order(tenant_stack, shops):
    de, fr = shops["shop-de"], shops["shop-fr"]
    created = de.emulator().create_payment(payment_draft("nuvei"))  # its order opens at nuvei-de
    assert created.status_code == 201
    order = {"clientUniqueId": created.json()["id"], "currency": "EUR", "amount": "19.99"}
    before = {name: snapshot(shop) for name, shop in shops.items()}

    refused = post_json(f"{tenant_stack.extension_url}/openOrder/{fr.name}", order, fr.extension_credentials)

    assert refused.status_code == 400, refused.text
    assert {name: snapshot(shop) for name, shop in shops.items()} == before
    assert nuvei_orders(fr, order["clientUniqueId"]) == []
    # At its own tenant's URL: the session of the order opened with that tenant's Nuvei account.
    opened = post_json(f"{tenant_stack.extension_url}/openOrder/{de.name}", order, de.extension_credentials)
    assert opened.status_code == 200, opened.text
    [held] = nuvei_orders(de, order["clientUniqueId"])
    assert held["sessionToken"] == opened.json()["sessionToken"]
    assert nuvei_orders(fr, order["clientUniqueId"]) == []


def nuvei_orders(shop, payment_id: str) -> list[dict]:
    """The orders the shop's Nuvei account holds for the payment."""
    answer = requests.get(
        f"{shop.sandboxes['nuvei']}/_sandbox/orders", params={"clientUniqueId": payment_id}, timeout=5
    )
    return answer.json()["orders"]
