"""A storefront's payment that commercetools must refuse, as every provider's checkout
end-to-end tests send it: marked with a unique method name, so that the test can tell
that commercetools stored nothing."""

from __future__ import annotations

import uuid


def marked(draft: dict) -> tuple[dict, str]:
    """The draft with a unique method name, to find (or not find) the payment later."""
    marker = f"test-{uuid.uuid4().hex[:12]}"
    draft["paymentMethodInfo"]["method"] = marker
    return draft, marker


def stored_with(emulator, marker: str) -> list[dict]:
    return emulator.payments(where=f'paymentMethodInfo(method="{marker}")')


def refused_create(emulator, draft: dict) -> list[dict]:
    """Creates a payment that commercetools must refuse; its errors, once it is sure
    that nothing was stored."""
    draft, marker = marked(draft)
    answer = emulator.create_payment(draft)
    assert answer.status_code == 400, answer.text
    assert stored_with(emulator, marker) == []
    return answer.json()["errors"]
