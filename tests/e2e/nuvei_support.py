"""What the Nuvei capture, refund and cancel tests and the reconciliation tests share: an
authorized payment, the merchant's Update adding Initial transactions, waiting for the
sandbox's follow-up DMNs, and the reconciliation command run as a cron pod runs it."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

from sandboxes.emulator import nuvei_payment
from sandboxes.stack import ROOT

from .modification_support import RECONCILE, printed, run_reconcile

# Faster than the default 10/s: the emulator holds every Nuvei payment of the session.
NUVEI_RECONCILE = ["--provider", "nuvei", "--rate", "1000", "--concurrency", "8"]


def authorized(emulator, nuvei, **draft) -> tuple[dict, dict]:
    """A Nuvei payment whose Auth the shopper made and whose DMN was applied; the
    payment as stored, and the DMN."""
    created = emulator.create_payment(nuvei_payment(**draft)).json()
    dmn = nuvei.dmn(created["custom"]["fields"]["sessionToken"], status="APPROVED")["dmn"]
    return emulator.get_payment(created["id"]), dmn


def initial(type_: str, cents: int, currency: str = "EUR") -> dict:
    return {
        "action": "addTransaction",
        "transaction": {"type": type_, "amount": {"currencyCode": currency, "centAmount": cents}, "state": "Initial"},
    }


def modify(emulator, payment: dict, *transactions: tuple) -> Any:
    """The merchant's Update adding Initial transactions (type, cents[, currency]) to the
    payment as last read; commercetools' answer."""
    return emulator.update_payment(payment["id"], payment["version"], [initial(*t) for t in transactions])


def of_type(payment: dict, type_: str) -> list[dict]:
    return [t for t in payment["transactions"] if t["type"] == type_]


def interactions(payment: dict, type_: str) -> list[dict]:
    return [i["fields"] for i in payment["interfaceInteractions"] if i["fields"]["type"] == type_]


def eventually(check: Callable[[], Any], seconds: float = 10, what: str = "the condition") -> Any:
    """check()'s first truthy answer, polled until `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, f"{what} did not come about within {seconds}s"
            return found
        time.sleep(0.05)


def dmns_done(nuvei, payment_id: str, count: int) -> list[dict]:
    """The payment's first `count` modification DMNs once each was answered 200 or lost."""

    def done() -> list[dict] | None:
        sent = nuvei.notifications(payment_id)
        finished = [n for n in sent if n.get("lost") or any(d["status"] == 200 for d in n["deliveries"])]
        return sent if len(sent) >= count and len(finished) >= count else None

    return eventually(done, what=f"{count} DMNs for payment {payment_id}")


def paid_without_dmn(emulator, nuvei) -> tuple[dict, dict]:
    """A payment the shopper paid at Nuvei whose DMN was lost: its session is open and
    it records no transaction. The payment as stored, and the DMN Nuvei would have sent."""
    payment = emulator.create_payment(nuvei_payment()).json()
    lost = nuvei.dmn(payment["custom"]["fields"]["sessionToken"], status="APPROVED", deliver=False)["dmn"]
    return emulator.get_payment(payment["id"]), lost


def reconcile(stack, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run_reconcile(stack, *NUVEI_RECONCILE, *args, env=env)


def start_reconcile(stack, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*RECONCILE, *NUVEI_RECONCILE, *args],
        cwd=ROOT,
        env={**os.environ, **stack.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def summary(stdout: str) -> dict:
    [line] = printed(stdout, "reconciliation.summary")
    return line
