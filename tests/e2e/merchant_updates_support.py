"""What a merchant does to move money, and what commercetools does around it, for the
end-to-end tests of captures, refunds and cancellations: an Update adding Initial
transactions (the emulator calls the extension with it), the very extension call sent
twice (commercetools retrying after a lost answer), and the reconciliation command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import requests

from sandboxes.stack import ROOT


def add_initial(
    emulator, payment: dict, *transactions: tuple[str, int], currency: str | None = None
) -> requests.Response:
    """The merchant's Update adding an Initial transaction per (type, centAmount)."""
    currency = currency or payment["amountPlanned"]["currencyCode"]
    actions = [
        {
            "action": "addTransaction",
            "transaction": {
                "type": type_,
                "amount": {"currencyCode": currency, "centAmount": cents},
                "state": "Initial",
            },
        }
        for type_, cents in transactions
    ]
    return emulator.update_payment(payment["id"], payment["version"], actions)


def added(updated: requests.Response, count: int = 1) -> list[dict]:
    """The transactions the Update added, as commercetools stored them."""
    assert updated.status_code == 200, updated.text
    return updated.json()["transactions"][-count:]


def with_initial(payment: dict, type_: str, cents: int) -> dict:
    """The payment as commercetools sends it to the extension for an Update that adds an
    Initial transaction (commercetools gives the transaction its id)."""
    amount = payment["amountPlanned"]
    transaction = {
        "id": str(uuid.uuid4()),
        "type": type_,
        "amount": {**amount, "centAmount": cents},
        "state": "Initial",
    }
    return {**payment, "transactions": [*payment["transactions"], transaction]}


def call_extension(stack, payment: dict, action: str = "Update") -> requests.Response:
    """The extension called as commercetools calls it."""
    return requests.post(
        f"{stack.extension_url}/extension",
        json={"action": action, "resource": {"typeId": "payment", "id": payment["id"], "obj": payment}},
        auth=("commercetools", stack.extension_password),
        timeout=15,
    )


def outcome(answer: requests.Response) -> list[tuple[str, str | None]]:
    """The state and interaction id the extension's answer gives each transaction,
    without the interactions (their createdAt differs from call to call)."""
    assert answer.status_code == 200, answer.text
    actions = answer.json()["actions"]
    states = {a["transactionId"]: a["state"] for a in actions if a["action"] == "changeTransactionState"}
    ids = {a["transactionId"]: a["interactionId"] for a in actions if a["action"] == "changeTransactionInteractionId"}
    return [(states[transaction], ids.get(transaction)) for transaction in states]


def reconcile(stack, provider: str) -> tuple[subprocess.CompletedProcess, dict]:
    """One run of the reconciliation command over every payment of `provider`, with the
    stack's configuration; its summary line."""
    run = subprocess.run(
        [sys.executable, "-m", "notification.reconcile", "--older-than", "0", "--provider", provider],
        check=False,
        cwd=ROOT,
        env={**os.environ, **stack.env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    summary = next((line for line in lines if line.get("event") == "reconciliation.summary"), {})
    return run, summary


def kinds(payment: dict) -> list[tuple]:
    """Each transaction's type, state, amount and interaction id."""
    return [(t["type"], t["state"], t["amount"]["centAmount"], t.get("interactionId")) for t in payment["transactions"]]
