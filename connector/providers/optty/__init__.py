"""Optty: buy-now-pay-later orders, and their captures, voids and refunds, from the
extension; webhooks (REFUND_CALLBACK too) and reconciliation read the order back from
Optty (it does not sign webhooks) and apply it.

What a retry after a timeout gets, call by call:

- POST /auth/token: a token the first call may have been issued is never used; the
  retry is issued another. Tokens are no orders: nothing is left behind.
- POST /orders (the extension): Optty keeps one order per orderReference, which is the
  payment id. When the first call timed out after Optty created the order, the retried
  extension call (commercetools retrying, or the storefront's next Update) gets Optty's
  409 "Order with reference … already exists"; the connector then reads
  GET /orders/{orderReference} and opens the payment on that order exactly as on a first
  answer (its status, the Authorization, its token and redirect URL where Optty sends
  them, see client.py). Only an order for another amount or currency is refused. So the
  connector ends up with the one order Optty holds, and the extension makes no
  commercetools request of its own: what the connector asked for (autoCapture) is read
  from the payment's sessionRequest when a webhook is applied.
- GET /orders/{orderReference} (webhooks, the 409 paths, reconciliation): a read; a
  timeout answers the webhook 503 (Optty retries it), the extension 400 General for an
  order (the next attempt reads again) or Pending for a modification, and counts the
  payment as failed for a reconciliation run (the next run reads again).
- POST /orders/{ref}/capture, /void, /refund (the extension, for a merchant's Initial
  Charge, CancelAuthorization or Refund): the captureReference / voidReference /
  refundReference is the commercetools transaction id, so commercetools retrying an
  Update whose answer it lost sends the same reference. Optty's pages only say a
  reference must be unique; whether Optty answers a repeat with its first result (what
  the sandbox does by default) or refuses it with a 409 (what it can be told to do), the
  connector ends up with the one capture, void or refund: the first answer again, or,
  after the 409, the one GET /orders/{ref} lists under that reference (Success, or the
  refund's state). A call that times out or answers 5xx leaves the transaction Pending
  without an id, settled later by the read-back (by type and amount).

A capture or void is done when Optty answers it (Success, interactionId = captureId /
voidedId). A refund is what its refundStatus says, Pending until the BNPL provider
decides (interactionId = the refundReference: the answer names no other id of Optty's);
REFUND_CALLBACK announces the decision. It carries no id the connector relies on: it is
a trigger, and the read-back's `refunds` list (inferred, see schemas.OrderSchema) names
each refund by its reference, which is the id the extension recorded, so the callback
settles that very transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ...environment import Variable
from ...errors import InvalidNotification, ProviderUnavailable
from ...modifications import CANCEL, CHARGE, PARTIAL, REFUND, Balance, Modification
from ...payment import Payment
from ..base import Call, Event, ModificationCall, ModificationResult, Notification, Provider, Session
from . import examples, mapping
from .client import TEST_API_URL, TEST_AUTH_URL, OpttyClient, OpttyConfig, OrderExists, ReferenceUsed
from .schemas import WebhookSchema


# The declarations every provider makes (base.Provider's), alike in shape by design.
class Optty(Provider):
    name = "optty"
    notification_schema = WebhookSchema
    example_session_request = examples.session_request()
    # Optty captures and voids "fully or partially", and refunds any part of what was
    # captured: every call names its amount.
    modification_reach: ClassVar[Mapping[str, str]] = {CHARGE: PARTIAL, REFUND: PARTIAL, CANCEL: PARTIAL}
    variables = (
        Variable(
            "OPTTY_CLIENT_ID",
            "Optty API client id (client credentials, scope `api-user`); without the credentials Optty is disabled and its payments get a 400",
            credential=True,
        ),
        Variable("OPTTY_CLIENT_SECRET", "Optty API client secret", secret=True, credential=True),
        Variable(
            "OPTTY_AUTH_URL",
            f"default {TEST_AUTH_URL} (live https://auth.optty.com); the token comes from `/token`",
            url=TEST_AUTH_URL,
        ),
        Variable(
            "OPTTY_API_URL",
            f"default {TEST_API_URL} (live https://api.optty.com); `/orders` is appended",
            url=TEST_API_URL,
        ),
    )
    config_class = OpttyConfig
    client_class = OpttyClient

    def open_session(self, payment: Payment, call: Call) -> Session:
        """Creates the Optty order, or opens the payment on the one an earlier attempt
        created (Optty's 409, see the module's docstring)."""
        order = mapping.order_request(payment, self.context.notification_url)
        try:
            request, answer = self.client.create_order(order, call.deadline)
        except OrderExists as exists:
            held = self._held_after_conflict(payment.id, call)
            return mapping.existing_session(order, exists.request, exists.answer, held)
        return mapping.session(request, answer)

    def read_notification(self, notification: Notification, call: Call) -> Event:
        """Optty does not sign webhooks: a webhook (about the order's payment, or a
        refund's REFUND_CALLBACK) only names the order, and what Optty answers for it
        decides."""
        webhook = mapping.read_webhook(notification.json())
        reference = webhook["data"]["orderReference"]
        held = self.client.get_order(reference, call.deadline)
        if held is None:
            raise InvalidNotification(f"Optty has no order {reference}")
        return mapping.event(webhook, held)

    def read_back(self, payment: Payment, call: Call) -> Event | None:
        held = self.client.get_order(payment.id, call.deadline)
        return None if held is None else mapping.read_back_event(payment.id, held)

    def fit_event(self, event: Event, payment: Payment) -> Event:
        return mapping.with_capture(event, payment)

    def prepare_modification(self, payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
        return mapping.modification_call(payment, modification)

    def send_modification(self, prepared: ModificationCall, call: Call) -> ModificationResult:
        """The capture, void or refund; after a 409 for its reference (an earlier attempt
        made it, and Optty refuses the repeat instead of answering it again), the one the
        order lists under that reference."""
        change = prepared.request
        try:
            answer = self.client.change_order(change.order_reference, change.action, change.body, call.deadline)
        except ReferenceUsed as used:
            return mapping.held_result(change, self._held_after_conflict(change.order_reference, call), used.answer)
        return mapping.modification_result(change, answer)

    def _held_after_conflict(self, reference: str, call: Call) -> dict:
        """The order behind Optty's 409; one GET /orders does not find is Optty failing."""
        held = self.client.get_order(reference, call.deadline)
        if held is None:
            raise ProviderUnavailable(
                "optty", f"Optty answered 409 for order {reference} but GET /orders does not find it"
            )
        return held
