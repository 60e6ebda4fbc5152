"""One well-formed payment Create per provider, as commercetools sends it to the
extension, that the provider's sandbox accepts. The payment id is __ID__ (a fresh one
per request)."""
from __future__ import annotations

import json
from collections.abc import Callable

import requests

from sandboxes import kustom, nexway, optty, paynova
from sandboxes.stack import Stack


def payment(interface: str, session_request: dict | None = None, payment_type_id: str | None = None) -> dict:
    """The payment; with a sessionRequest, on the connector-payment type (its id in the
    project, which the extension reads once per process)."""
    obj = {
        "id": "__ID__",
        "version": 1,
        "amountPlanned": {"type": "centPrecision", "currencyCode": "EUR", "centAmount": 1999, "fractionDigits": 2},
        "paymentMethodInfo": {"paymentInterface": interface, "method": "card"},
        "paymentStatus": {},
        "transactions": [],
        "interfaceInteractions": [],
    }
    if session_request is not None:
        fields = {"sessionRequest": json.dumps(session_request)}
        obj["custom"] = {"type": {"typeId": "type", "id": payment_type_id}, "fields": fields}
    return obj


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
