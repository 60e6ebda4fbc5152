"""What the Optty end-to-end tests share: the sandbox's controls and a storefront's
Optty payment."""

from __future__ import annotations

import uuid

import pytest
import requests

from connector.providers.optty.examples import session_request
from connector.providers.optty.sandbox.app import SandboxControl
from sandboxes.emulator import payment_draft


@pytest.fixture(scope="session")
def optty_sandbox(stack) -> SandboxControl:
    return SandboxControl(f"{stack.sandboxes_url}/optty")


@pytest.fixture
def optty(optty_sandbox):
    yield optty_sandbox
    optty_sandbox.latency(0)
    optty_sandbox.late_answers(0, 0)
    optty_sandbox.repeated_references("first-result")


def optty_draft(**request) -> tuple[dict, str]:
    """A storefront's Optty payment draft, marked with a unique method name to find (or
    not find) the payment later."""
    draft = payment_draft("optty", session_request=session_request(**request))
    marker = f"test-{uuid.uuid4().hex[:12]}"
    draft["paymentMethodInfo"]["method"] = marker
    return draft, marker


def new_payment(emulator, **request) -> dict:
    created = emulator.create_payment(optty_draft(**request)[0])
    assert created.status_code == 201, created.text
    return created.json()


def post_webhook(stack, body: dict) -> requests.Response:
    return requests.post(f"{stack.notification_url}/notifications/optty", json=body, timeout=30)
