"""A provider call that times out after the provider created the order, and the retry:
what every provider's end-to-end test of point "retry after a timeout" shares.

The storefront creates the payment before the shopper picks a provider, then sets the
payment interface: that Update is what calls the extension. The sandbox stores the order
and answers later than PROVIDER_TIMEOUT_MS, so commercetools refuses the Update with the
extension's 400 General; the storefront then sends the same Update again."""

from __future__ import annotations

import time

import requests

from .conftest import PROVIDER_TIMEOUT_MS

# How late the sandbox answers: well past the connector's timeout.
LATE_MS = PROVIDER_TIMEOUT_MS + 700


def undecided(draft: dict) -> dict:
    """The draft with no provider chosen yet: the extension leaves it alone."""
    return {**draft, "paymentMethodInfo": {**draft["paymentMethodInfo"], "paymentInterface": "undecided"}}


def choose(emulator, payment: dict, interface: str) -> requests.Response:
    """The storefront's Update that chooses the provider (the same Update each time)."""
    return emulator.update_payment(
        payment["id"], payment["version"], [{"action": "setMethodInfoInterface", "interface": interface}]
    )


def timed_out_choice(emulator, draft: dict, interface: str) -> dict:
    """Stores the draft undecided and chooses `interface` while its sandbox answers late
    (the caller set that up): the extension gives up in time and commercetools refuses
    the Update. Returns the payment as stored before the Update."""
    created = emulator.create_payment(undecided(draft))
    assert created.status_code == 201, created.text
    payment = created.json()
    started = time.monotonic()
    refused = choose(emulator, payment, interface)
    assert time.monotonic() - started < PROVIDER_TIMEOUT_MS / 1000 + 0.5
    assert refused.status_code == 400, refused.text
    assert [error["code"] for error in refused.json()["errors"]] == ["General"]
    assert emulator.get_payment(payment["id"])["version"] == payment["version"]  # nothing stored
    return payment


def retried_choice(emulator, payment: dict, interface: str) -> dict:
    """The same Update again; the payment as commercetools stored it."""
    retried = choose(emulator, payment, interface)
    assert retried.status_code == 200, retried.text
    return retried.json()


def interaction_types(payment: dict) -> list[str]:
    return [interaction["fields"]["type"] for interaction in payment["interfaceInteractions"]]
