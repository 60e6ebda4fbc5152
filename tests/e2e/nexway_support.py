"""Driving the Nexway sandbox from end-to-end tests, as Nexway and the merchant's back
office would."""

from __future__ import annotations

import pytest
import requests

from connector.providers.nexway.sandbox.app import CREDENTIALS
from sandboxes.common import answer_late
from sandboxes.emulator import payment_draft
from tests.factories import nexway_session_request

from .modification_support import FollowUps

# Notifications after a cancellation: soon after the answer, retried soon.
FOLLOW_UP_TIMING = {"delayMs": 200, "retryIntervalMs": 500}


class NexwaySandbox:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.follow_ups = FollowUps(base_url)

    def orders(self, payment_id: str) -> list[dict]:
        answer = requests.get(f"{self.base_url}/_sandbox/orders", params={"partnerOrderNumber": payment_id}, timeout=5)
        return answer.json()["orders"]

    def event(self, order_number: str, type_: str, deliver: bool = True) -> dict:
        answer = requests.post(
            f"{self.base_url}/_sandbox/orders/{order_number}/events",
            json={"type": type_, "deliver": deliver},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()

    def cancel(self, payment_id: str, reason_code: int = 3) -> dict:
        """The merchant cancels an order through Nexway's API (3: unsatisfied)."""
        token = requests.post(
            f"{self.base_url}/iam/tokens",
            json={
                "clientSecret": CREDENTIALS["NEXWAY_CLIENT_SECRET"],
                "realmName": CREDENTIALS["NEXWAY_REALM"],
                "grantType": "client_credentials",
            },
            timeout=5,
        ).json()["access_token"]
        return requests.put(
            f"{self.base_url}/connect/order/cancel",
            json={"partnerOrderNumber": payment_id, "reasonCode": reason_code, "comment": "test"},
            headers={"Authorization": f"Bearer {token}", "secret": CREDENTIALS["NEXWAY_SECRET"]},
            timeout=30,
        ).json()

    def lose_answers(self, count: int, operation: str = "createOrder") -> None:
        options = {"count": count, "operation": operation}
        requests.post(f"{self.base_url}/_sandbox/lose-answers", json=options, timeout=5).raise_for_status()

    def late_answers(self, ms: int, count: int = 1, operation: str | None = None) -> None:
        answer_late(self.base_url, ms, count, operation)

    def refuse_next_cancellation(self, response_code: int, count: int = 1) -> None:
        options = {"responseCode": response_code, "count": count, "operation": "cancelOrder"}
        requests.post(f"{self.base_url}/_sandbox/refuse-next", json=options, timeout=5).raise_for_status()

    def spell_statuses(self, spelling: str | None) -> None:
        """Status words and event types in `spelling` (camelCase, lower_snake, ...)."""
        answer = requests.post(f"{self.base_url}/_sandbox/status-spelling", json={"spelling": spelling}, timeout=5)
        answer.raise_for_status()

    def revoke_tokens(self) -> None:
        requests.post(f"{self.base_url}/_sandbox/tokens/revoke", timeout=5).raise_for_status()


@pytest.fixture
def nexway(stack):
    sandbox = NexwaySandbox(f"{stack.sandboxes_url}/nexway")
    sandbox.follow_ups.configure(**FOLLOW_UP_TIMING)
    yield sandbox
    sandbox.lose_answers(0)
    sandbox.lose_answers(0, "cancelOrder")
    sandbox.refuse_next_cancellation(1072, 0)
    sandbox.late_answers(0, 0)
    sandbox.spell_statuses(None)
    sandbox.follow_ups.configure(drop=0)


def nexway_draft(session_request: dict | None = None, interface: str = "nexway", **details) -> dict:
    """A storefront's Nexway payment draft."""
    return payment_draft(interface, session_request=session_request or nexway_session_request(), **details)
