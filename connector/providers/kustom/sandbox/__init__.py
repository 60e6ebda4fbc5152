"""Kustom's local kit: the sandbox (app.py), the run command's demo and the benchmark's
checkout (sandboxes/kits.py). Kustom signs no push: the connector reads the order back."""

from __future__ import annotations

import requests

from sandboxes.kits import Demo, Kit

from .. import examples
from . import app


def _charged_token(sandbox: str, **token) -> dict:
    """A sessionRequest charging a new customer token of the sandbox."""
    answer = requests.post(f"{sandbox}/_sandbox/tokens", json=token, timeout=30)
    answer.raise_for_status()
    return examples.session_request(answer.json()["customer_token"])


KIT = Kit.of(
    app,
    checkout=lambda sandbox: _charged_token(sandbox, state="ACTIVE"),
    demo=Demo(
        # An order that waits for Kustom's fraud decision, so that the decision is what
        # authorizes the payment.
        session_request=lambda sandbox: _charged_token(sandbox, fraud_status="PENDING"),
        notification="the accepted fraud decision",
        control="orders/{interfaceId}/fraud-decision",
        body={"event_type": "FRAUD_RISK_ACCEPTED"},
    ),
)
