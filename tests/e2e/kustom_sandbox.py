"""Driving the Kustom sandbox from end-to-end tests, as Kustom and a shopper would."""

from __future__ import annotations

import pytest
import requests

from sandboxes.common import answer_late
from sandboxes.emulator import payment_draft
from tests.connector.providers.kustom.factories import BASKET_TOTAL, kustom_request


class KustomSandbox:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def token(self, **options) -> str:
        """A customer token: state ACTIVE|SUSPENDED|CANCELLED, fraud_status, payment_method_fails."""
        return self._post("/_sandbox/tokens", options)["customer_token"]

    def orders(self, payment_id: str) -> list[dict]:
        return self._get("/_sandbox/orders", merchant_reference1=payment_id)["orders"]

    def charges(self, payment_id: str | None = None, **criteria) -> list[dict]:
        """Every charge request Kustom received (for the payment), replays included."""
        if payment_id is not None:
            criteria["merchant_reference1"] = payment_id
        return self._get("/_sandbox/charges", **criteria)["charges"]

    def push(self, order_id: str, **options) -> dict:
        return self._post(f"/_sandbox/orders/{order_id}/push", options)

    def decide(self, order_id: str, event_type: str, **options) -> dict:
        return self._post(f"/_sandbox/orders/{order_id}/fraud-decision", {"event_type": event_type, **options})

    def order(self, order_id: str) -> dict:
        """The order as the sandbox holds it."""
        return next(o for o in self._get("/_sandbox/orders", order_id=order_id)["orders"])

    def back_office(self, order_id: str, action: str, **options) -> dict:
        """A capture, refund, cancel or release made in Kustom's back office, then a push
        (deliver=False: the push is lost)."""
        return self._post(f"/_sandbox/orders/{order_id}/back-office", {"action": action, **options})

    def fail_next(self, operation: str, status: int, **options) -> None:
        """The next order change of `operation` answers this error and changes nothing."""
        self._post("/_sandbox/order-errors", {"operation": operation, "status": status, **options})

    def changes(self, order_id: str, **criteria) -> list[dict]:
        """Every order management change Kustom received for the order, replays included."""
        return self._get("/_sandbox/order-changes", order_id=order_id, **criteria)["changes"]

    def latency(self, ms: int) -> None:
        self._post("/_sandbox/latency", {"ms": ms})

    def late_answers(self, ms: int, count: int = 1, operation: str | None = None) -> None:
        answer_late(self.base_url, ms, count, operation)

    def _post(self, path: str, body: dict) -> dict:
        answer = requests.post(f"{self.base_url}{path}", json=body, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def _get(self, path: str, **params) -> dict:
        answer = requests.get(f"{self.base_url}{path}", params=params, timeout=5)
        answer.raise_for_status()
        return answer.json()


def kustom_payment(customer_token: str, **session_request) -> dict:
    """A storefront's Kustom payment draft for the test basket."""
    return payment_draft(
        "kustom", cent_amount=BASKET_TOTAL, session_request=kustom_request(customer_token, **session_request)
    )


@pytest.fixture
def kustom(stack) -> KustomSandbox:
    """The Kustom sandbox of the stack, its latency and late answers undone after the test."""
    sandbox = KustomSandbox(f"{stack.sandboxes_url}/kustom")
    yield sandbox
    sandbox.latency(0)
    sandbox.late_answers(0, 0)
