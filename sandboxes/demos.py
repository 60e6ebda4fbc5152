"""The run command's demos: one payment per provider, walked through the local stack.

A demo is a storefront creating the payment in commercetools (its extension call opens
the provider's order or session), then the provider's sandbox sending its notification,
after which the payment holds the transaction. A provider's demo is in its kit
(connector/providers/<name>/sandbox/).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

import requests

from .emulator import EmulatorClient, payment_draft
from .kits import Demo, kits

INTRO = """Each provider in turn: the storefront creates a payment in commercetools, which calls the
extension (the provider's order or session opens); then the provider's sandbox sends its
notification, which the notification service records on the payment.
"""
# What a sandbox control's path may name, and the shell variable standing for it in the
# commands printed for trying it by hand.
SHELL_VARIABLES = {"id": "$PAYMENT_ID", "interfaceId": "$INTERFACE_ID", "sessionToken": "$SESSION_TOKEN"}


DEMOS: dict[str, Demo] = {name: kit.demo for name, kit in kits().items()}
_WIDTH = max(map(len, DEMOS))  # of a provider's name, to align the lines after it


def run_all(emulator: EmulatorClient, sandboxes: Mapping[str, str]) -> None:
    """Every provider's demo in the emulator's project, against the sandbox of each
    provider in `sandboxes` (its URL; Shop.sandboxes)."""
    for number, provider in enumerate(DEMOS, 1):
        _walk_through(number, provider, emulator, sandboxes[provider])


def _walk_through(number: int, provider: str, emulator: EmulatorClient, sandbox: str) -> None:
    demo = DEMOS[provider]
    heading = f"{number}. {provider:<{_WIDTH}}  "
    indent = " " * len(heading)
    created = emulator.create_payment(payment_draft(provider, session_request=demo.session_request(sandbox)))
    if created.status_code != 201:
        print(f"{heading}commercetools refused the payment (HTTP {created.status_code}): {created.text}\n", flush=True)
        return
    payment = created.json()
    account = sandbox.rsplit("/", 1)[-1]  # the sandbox, which answers only its account's credentials
    print(f"{heading}payment {payment['id']} created, interfaceId {payment.get('interfaceId')} (account {account})")
    print(f"{indent}holds {_state(payment)}")
    control = demo.control.format_map(references(payment))
    delivered = demo.delivery(_post(f"{sandbox}/_sandbox/{control}", demo.body))
    answered = f"{delivered['status']} {delivered.get('body', '')}"
    print(f"{indent}the sandbox sends {demo.notification} → notification service {answered}")
    print(f"{indent}now holds {_state(emulator.get_payment(payment['id']))}\n", flush=True)


def control_commands(sandboxes: Mapping[str, str]) -> str:
    """One line per provider: its name and its control_command."""
    return "\n".join(f"  {provider:<{_WIDTH}}  {control_command(sandboxes, provider)}" for provider in DEMOS)


def control_command(sandboxes: Mapping[str, str], provider: str) -> str:
    """The curl command that makes the provider's sandbox send its demo's notification."""
    demo = DEMOS[provider]
    url = f"{sandboxes[provider]}/_sandbox/{demo.control.format_map(SHELL_VARIABLES)}"
    return f"curl -s -X POST -H 'Content-Type: application/json' {url} -d '{json.dumps(demo.body)}'"


def references(payment: dict) -> dict[str, str]:
    return {
        "id": payment["id"],
        "interfaceId": payment.get("interfaceId"),
        "sessionToken": payment.get("custom", {}).get("fields", {}).get("sessionToken"),
    }


def _state(payment: dict) -> str:
    transactions = [f"{t['type']} {t['state']} {_money(t['amount'])}" for t in payment["transactions"]]
    status = payment["paymentStatus"].get("interfaceCode")
    return f"{', '.join(transactions) or 'no transaction'} (paymentStatus {status})"


def _money(amount: dict) -> str:
    return f"{Decimal(amount['centAmount']).scaleb(-amount['fractionDigits'])} {amount['currencyCode']}"


def _post(url: str, body: dict) -> dict:
    answer = requests.post(url, json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()
