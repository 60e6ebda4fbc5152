"""A provider's demo (its kit's) as tests walk it: the storefront creates the payment,
then the provider's sandbox sends its notification, which the connector applies."""

from __future__ import annotations

import requests

from sandboxes.demos import DEMOS, references
from sandboxes.emulator import EmulatorClient, payment_draft


def paid_through_demo(emulator: EmulatorClient, sandbox: str, provider: str) -> tuple[dict, dict]:
    """The payment as created, and as stored once the sandbox's notification (at the
    sandbox URL `sandbox`) was applied."""
    demo = DEMOS[provider]
    created = emulator.create_payment(payment_draft(provider, session_request=demo.session_request(sandbox)))
    assert created.status_code == 201, created.text
    payment = created.json()
    control = demo.control.format_map(references(payment))
    sent = requests.post(f"{sandbox}/_sandbox/{control}", json=demo.body, timeout=30)
    assert demo.delivery(sent.json())["status"] == 200, sent.text
    applied = emulator.get_payment(payment["id"])
    assert applied["version"] > payment["version"]
    return payment, applied


def redeliver(sandbox: str, **options) -> dict:
    """The sandbox's answer to sending its last notification again (see /_sandbox/redeliver)."""
    answer = requests.post(f"{sandbox}/_sandbox/redeliver", json=options, timeout=30)
    answer.raise_for_status()
    return answer.json()["notification"]
