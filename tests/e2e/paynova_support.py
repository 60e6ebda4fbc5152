"""What the Paynova end-to-end tests share: the sandbox's controls and payment drafts."""

from __future__ import annotations

import pytest
import requests

from connector.money import Money
from sandboxes.common import answer_late
from sandboxes.emulator import payment_draft
from tests.factories import paynova_session_request

from .modification_support import FollowUps

# Follow-up notifications in tests: soon after the answer, retried soon (Paynova: 5 s).
FOLLOW_UP_TIMING = {"delayMs": 200, "retryIntervalMs": 500}


class PaynovaSandbox:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.follow_ups = FollowUps(base_url)

    def pay(self, session_id: str, status: str, **options) -> dict:
        return self._post(f"sessions/{session_id}/payment", {"status": status, **options})

    def end_session(self, session_id: str, status: str, **options) -> dict:
        return self._post(f"sessions/{session_id}/end", {"status": status, **options})

    def orders(self, order_number: str | None = None) -> list[dict]:
        params = {"orderNumber": order_number} if order_number else {}
        return requests.get(f"{self.base_url}/_sandbox/orders", params=params, timeout=5).json()["orders"]

    def fail_next_session(self) -> None:
        self._post("fail-next", {"times": 1})

    def refuse_next(self, operation: str, error_number: int, status_key: str, message: str) -> None:
        """The next `operation` (finalize, annul, refund) answers isSuccess false so."""
        refusal = {"errorNumber": error_number, "statusKey": status_key, "statusMessage": message}
        self._post("fail-next", {"operation": operation, **refusal})

    def transactions(self, order_id: str) -> dict[str, dict]:
        """The order's transactions at Paynova, by id."""
        [order] = [order for order in self.orders() if order["orderId"] == order_id]
        return {transaction["transactionId"]: transaction for transaction in order["transactions"]}

    def latency(self, ms: int) -> None:
        self._post("latency", {"ms": ms})

    def late_answers(self, ms: int, operation: str, count: int = 1) -> None:
        """The next `count` calls of `operation` (createOrder, initializePayment) store
        what they create and answer `ms` late."""
        answer_late(self.base_url, ms, count, operation)

    def reset_faults(self) -> None:
        self._post("fail-next", {"times": 0})
        for operation in ("finalize", "annul", "refund"):
            self._post("fail-next", {"times": 0, "operation": operation})
        self.latency(0)
        answer_late(self.base_url, 0, 0)
        self.follow_ups.configure(drop=0, **FOLLOW_UP_TIMING)

    def _post(self, path: str, body: dict) -> dict:
        answer = requests.post(f"{self.base_url}/_sandbox/{path}", json=body, timeout=60)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="session")
def paynova(stack) -> PaynovaSandbox:
    sandbox = PaynovaSandbox(f"{stack.sandboxes_url}/paynova")
    sandbox.follow_ups.configure(**FOLLOW_UP_TIMING)
    return sandbox


@pytest.fixture
def _undo_paynova_faults(paynova):
    yield
    paynova.reset_faults()


def paynova_payment(cent_amount: int = 1999, currency: str = "EUR", **session_request) -> dict:
    """A payment draft for Paynova whose sessionRequest adds up to its amount."""
    total = Money.of(cent_amount, currency).decimal_text()
    return payment_draft("paynova", cent_amount, currency, paynova_session_request(total, **session_request))
