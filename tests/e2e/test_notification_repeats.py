"""Every provider retries its notifications: a repeat of one that was applied is answered
200 and changes nothing, not even the interaction log. Each sandbox sends its last
notification again on /_sandbox/redeliver, exactly as it first sent it."""

import pytest
import requests

from sandboxes.demos import DEMOS, references
from sandboxes.emulator import payment_draft


@pytest.mark.parametrize("provider", sorted(DEMOS))
def test_a_repeated_notification_changes_nothing(stack, emulator, provider):
    demo, sandbox = DEMOS[provider], f"{stack.sandboxes_url}/{provider}"
    created = emulator.create_payment(payment_draft(provider, session_request=demo.session_request(sandbox))).json()
    control = demo.control.format_map(references(created))
    sent = requests.post(f"{sandbox}/_sandbox/{control}", json=demo.body, timeout=30)
    assert demo.delivery(sent.json())["status"] == 200
    applied = emulator.get_payment(created["id"])
    assert applied["version"] > created["version"]

    repeated = requests.post(f"{sandbox}/_sandbox/redeliver", timeout=30).json()["notification"]
    assert repeated["status"] == 200
    assert emulator.get_payment(created["id"]) == applied
