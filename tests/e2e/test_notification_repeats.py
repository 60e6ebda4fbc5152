"""Every provider retries its notifications: a repeat of one that was applied is answered
200 and changes nothing, not even the interaction log. Each sandbox sends its last
notification again on /_sandbox/redeliver, exactly as it first sent it."""

import pytest

from sandboxes.demos import DEMOS

from .demo_support import paid_through_demo, redeliver


@pytest.mark.parametrize("provider", sorted(DEMOS))
def test_a_repeated_notification_changes_nothing(stack, emulator, provider):
    sandbox = f"{stack.sandboxes_url}/{provider}"
    created, applied = paid_through_demo(emulator, sandbox, provider)

    assert redeliver(sandbox)["status"] == 200
    assert emulator.get_payment(created["id"]) == applied
