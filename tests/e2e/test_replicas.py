"""Many replicas: each service runs as two gunicorn masters behind a round-robin balancer,
as two pods behind a load balancer would, and two tenants use them at once. Nothing the
connector needs lives in a process: a Create retried on the other replica gets the
provider's one order, and a notification repeated on both replicas is applied once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from sandboxes.emulator import payment_draft
from sandboxes.kits import kits

from .demo_support import paid_through_demo, redeliver

KITS = kits()
# The providers that keep one order per payment, which a retried Create gets back, and how
# their sandbox lists a payment's orders. (Nuvei and Paynova open a second order on a
# retry, which takes no money: their modules' docstrings say why.)
ORDER_LISTS = {"optty": "orderReference", "nexway": "partnerOrderNumber", "kustom": "merchant_reference1"}
PAYMENTS_PER_PROVIDER = 3


def retry_on_every_replica(stack, shop, payment: dict, session_request: dict) -> list[requests.Response]:
    """commercetools' Create call again, as it was before the extension answered it, on
    each replica of the extension."""
    before_extension = {
        "id": payment["id"],
        "version": 1,
        "amountPlanned": payment["amountPlanned"],
        "paymentMethodInfo": payment["paymentMethodInfo"],
        "custom": payment_draft("any", session_request=session_request)["custom"],
    }
    body = {"action": "Create", "resource": {"typeId": "payment", "id": payment["id"], "obj": before_extension}}
    return [
        requests.post(f"{url}/extension/{shop.name}", json=body, auth=shop.extension_credentials, timeout=30)
        for url in stack.instances("extension").values()
    ]


def create_then_retry(stack, shop, provider: str) -> tuple[str, str, list[dict]]:
    sandbox = shop.sandboxes[provider]
    session_request = KITS[provider].checkout(sandbox)
    created = shop.emulator().create_payment(payment_draft(provider, session_request=session_request))
    assert created.status_code == 201, created.text
    payment = created.json()
    for retried in retry_on_every_replica(stack, shop, payment, session_request):
        assert retried.status_code == 200, retried.text
        [interface_id] = [a["interfaceId"] for a in retried.json()["actions"] if a["action"] == "setInterfaceId"]
        assert interface_id == payment["interfaceId"], provider
    orders = requests.get(f"{sandbox}/_sandbox/orders", params={ORDER_LISTS[provider]: payment["id"]}, timeout=5)
    return provider, payment["id"], orders.json()["orders"]


def test_creates_of_two_tenants_retried_on_the_other_replica_open_each_payment_once(tenant_stack, shops):
    jobs = [(shop, provider) for shop in shops.values() for provider in ORDER_LISTS] * PAYMENTS_PER_PROVIDER
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(lambda job: create_then_retry(tenant_stack, *job), jobs))

    assert len({payment_id for _, payment_id, _ in results}) == len(jobs)
    for provider, payment_id, orders in results:
        assert len(orders) == 1, (provider, payment_id, orders)
    for name in tenant_stack.instances("extension"):
        served = {
            entry.get("tenant")
            for entry in tenant_stack.log_entries(name)
            if entry.get("path", "").startswith("/extension/")
        }
        assert {"shop-de", "shop-fr"} <= served, name  # the balancer gave each replica both tenants' Creates


def repeat_on_every_replica(stack, shop, provider: str) -> tuple[dict, list[dict], dict]:
    """A payment of the provider's demo, its notification applied; then that notification
    again on each replica. The payment as first applied, the repeats' answers, the payment
    after them."""
    sandbox = shop.sandboxes[provider]
    created, applied = paid_through_demo(shop.emulator(), sandbox, provider)
    repeats = [
        redeliver(sandbox, tenant=shop.name, to=f"{url}/notifications/{provider}/{shop.name}")
        for url in stack.instances("notification").values()
    ]
    return applied, repeats, shop.emulator().get_payment(created["id"])


def test_notifications_of_two_tenants_repeated_on_both_replicas_are_applied_once(tenant_stack, shops):
    jobs = [(shop, provider) for shop in shops.values() for provider in KITS]
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(lambda job: repeat_on_every_replica(tenant_stack, *job), jobs))

    for applied, repeats, after in results:
        assert [repeat["status"] for repeat in repeats] == [200, 200], repeats
        assert after == applied
