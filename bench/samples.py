"""One well-formed payment Create per provider, as commercetools sends it to the
extension, that the provider's sandbox accepts. The payment id is __ID__ (a fresh one
per request)."""

from __future__ import annotations

from collections.abc import Callable

import requests

from connector.providers.kustom import examples as kustom
from connector.providers.nexway import examples as nexway
from connector.providers.optty import examples as optty
from connector.providers.paynova import examples as paynova
from extension import examples
from sandboxes.stack import Stack


def payment(interface: str, session_request: dict | None = None, payment_type_id: str | None = None) -> dict:
    """The payment; with a sessionRequest, on the connector-payment type (its id in the
    project, which the extension reads once per process)."""
    return examples.payment(interface, session_request, payment_type_id, payment_id="__ID__")


def _kustom(stack: Stack, payment_type_id: str) -> dict:
    answer = requests.post(f"{stack.sandboxes_url}/kustom/_sandbox/tokens", json={"state": "ACTIVE"}, timeout=10)
    return payment("kustom", kustom.session_request(answer.json()["customer_token"]), payment_type_id)


SAMPLES: dict[str, Callable[[Stack, str], dict]] = {
    "nuvei": lambda stack, type_id: payment("nuvei"),
    "optty": lambda stack, type_id: payment("optty", optty.session_request(), type_id),
    "nexway": lambda stack, type_id: payment("nexway", nexway.session_request(), type_id),
    "paynova": lambda stack, type_id: payment("paynova", paynova.session_request(), type_id),
    "kustom": _kustom,
}
