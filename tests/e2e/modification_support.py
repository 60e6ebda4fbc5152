"""What end-to-end tests of captures, refunds and cancellations share: the merchant's
Update that adds Initial transactions, the extension called directly as commercetools
calls it (to send one call twice), waiting for a provider's follow-up notification,
and the reconciliation command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from sandboxes.stack import ROOT

T = TypeVar("T")


def money(payment: dict, cents: int, currency: str | None = None) -> dict:
    return {"currencyCode": currency or payment["amountPlanned"]["currencyCode"], "centAmount": cents}


def add_transactions(
    emulator, payment: dict, *transactions: tuple[str, int], currency: str | None = None
) -> requests.Response:
    """The merchant's Update: one Initial transaction per (type, minor units), in the
    payment's currency unless another is named."""
    actions = [
        {
            "action": "addTransaction",
            "transaction": {"type": type_, "amount": money(payment, cents, currency), "state": "Initial"},
        }
        for type_, cents in transactions
    ]
    return emulator.update_payment(payment["id"], payment["version"], actions)


def added(updated: requests.Response, count: int = 1) -> list[dict]:
    """The transactions the Update added, as commercetools stored them."""
    assert updated.status_code == 200, updated.text
    return updated.json()["transactions"][-count:]


def modified(emulator, payment: dict, *transactions: tuple[str, int]) -> dict:
    """The payment once commercetools stored the merchant's Update."""
    answer = add_transactions(emulator, payment, *transactions)
    assert answer.status_code == 200, answer.text
    return answer.json()


def with_initial(payment: dict, type_: str, cents: int) -> dict:
    """The payment as commercetools sends it to the extension for an Update that adds an
    Initial transaction (commercetools gave it this id)."""
    transaction = {
        "id": str(uuid.uuid4()),
        "type": type_,
        "amount": {**payment["amountPlanned"], "centAmount": cents},
        "state": "Initial",
    }
    return {**payment, "transactions": [*payment["transactions"], transaction]}


def call_extension(stack, payment: dict, action: str = "Update") -> requests.Response:
    """The extension called as commercetools calls it for a Create or an Update."""
    return requests.post(
        f"{stack.extension_url}/extension",
        json={"action": action, "resource": {"typeId": "payment", "id": payment["id"], "obj": payment}},
        auth=("commercetools", stack.extension_password),
        timeout=30,
    )


def outcome(answer: requests.Response) -> list[tuple[str, str | None]]:
    """The state and interaction id the extension's answer gives each transaction,
    without the interactions (their createdAt differs from call to call)."""
    assert answer.status_code == 200, answer.text
    actions = answer.json()["actions"]
    states = {a["transactionId"]: a["state"] for a in actions if a["action"] == "changeTransactionState"}
    ids = {a["transactionId"]: a["interactionId"] for a in actions if a["action"] == "changeTransactionInteractionId"}
    return [(states[transaction], ids.get(transaction)) for transaction in states]


def transactions(payment: dict) -> list[tuple[str, str, str | None, int]]:
    return [(t["type"], t["state"], t.get("interactionId"), t["amount"]["centAmount"]) for t in payment["transactions"]]


def interactions(payment: dict, type_: str) -> list[dict]:
    """The payment's interface interactions of this type, request and response read."""
    return [
        {**i["fields"], "request": json.loads(i["fields"]["request"]), "response": json.loads(i["fields"]["response"])}
        for i in payment["interfaceInteractions"]
        if i["fields"]["type"] == type_
    ]


def eventually(check: Callable[[], T], timeout: float = 15, what: str = "the condition") -> T:
    """check()'s first truthy result, polling until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


class FollowUps:
    """A sandbox's follow-up notifications (sandboxes/followups.py)."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def configure(self, **options: Any) -> None:
        """delayMs, retryIntervalMs, drop."""
        requests.post(f"{self.base_url}/_sandbox/follow-ups", json=options, timeout=5).raise_for_status()

    def listed(self) -> list[dict]:
        return requests.get(f"{self.base_url}/_sandbox/follow-ups", timeout=5).json()["followUps"]

    def about(self, **about: str) -> list[dict]:
        return [f for f in self.listed() if all(f["about"].get(key) == value for key, value in about.items())]

    def delivered(self, **about: str) -> dict:
        """The one follow-up about this, once it is delivered (or dropped)."""

        def settled() -> dict | None:
            [follow_up] = self.about(**about) or [None]
            return follow_up if follow_up and follow_up["state"] in ("done", "dropped") else None

        return eventually(settled, what=f"the follow-up about {about}")


# The reconciliation command as a cron pod runs it, over payments of any age.
RECONCILE = [sys.executable, "-m", "notification.reconcile", "--older-than", "0"]


def run_reconcile(stack, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m notification.reconcile --older-than 0 <args>` with the stack's settings
    (`env` overrides them)."""
    return subprocess.run(
        [*RECONCILE, *args],
        check=False,
        cwd=ROOT,
        env={**os.environ, **stack.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def printed(stdout: str, event: str) -> list[dict]:
    """The JSON lines of one kind the command printed."""
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == event]


def reconcile(stack, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """One run of the reconciliation command; the run and its summary line."""
    run = run_reconcile(stack, *args)
    summaries = printed(run.stdout, "reconciliation.summary")
    return run, summaries[-1] if summaries else {}
