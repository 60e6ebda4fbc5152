"""One well-formed payment Create per provider, as commercetools sends it to the
extension, that the provider's sandbox accepts (its kit's checkout). The payment id is
__ID__ (a fresh one per request)."""

from __future__ import annotations

from extension import examples
from sandboxes.kits import kits


def payment(interface: str, session_request: dict | None = None, payment_type_id: str | None = None) -> dict:
    """The payment; with a sessionRequest, on the connector-payment type (its id in the
    project, which the extension reads once per process)."""
    return examples.payment(interface, session_request, payment_type_id, payment_id="__ID__")


def every_provider(sandboxes_url: str, payment_type_id: str) -> dict[str, dict]:
    """Each registered provider's checkout payment, against the sandboxes at `sandboxes_url`."""
    return {
        name: payment(name, kit.checkout(f"{sandboxes_url}/{name}"), payment_type_id) for name, kit in kits().items()
    }
