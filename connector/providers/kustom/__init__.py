"""Kustom: the extension charges a customer token, and captures, refunds and cancels
through Kustom's order management; pushes, fraud decisions and reconciliation read the
order back from order management and apply it.

What a retry after a timeout gets, call by call:

- POST .../tokens/{customerToken}/order (the extension): every attempt for a payment
  sends the same Klarna-Idempotency-Key (a UUIDv5 of the payment id), and Kustom answers
  a repeated key with its first result. When the first call timed out after Kustom
  created the order (or declined the charge), the retried extension call gets that very
  answer: the same order_id, or the same decline. The connector ends up with the one
  order Kustom holds, and the shopper is charged once.
- GET /ordermanagement/v1/orders/{order_id} (notifications): a read; a timeout answers
  the push 503 and Kustom pushes again.
- POST .../acknowledge (after a notification is applied): when it times out, the
  notification is answered 503 although the payment was written; Kustom pushes again,
  the repeat changes nothing on the payment and acknowledges again. Acknowledging an
  order twice is harmless: it only stops Kustom's pushes.
- POST .../captures, .../refunds, .../cancel, .../release-remaining-authorization (the
  extension, for a merchant's Initial Charge, Refund or CancelAuthorization): the
  Klarna-Idempotency-Key is the commercetools transaction id, and Kustom answers a key it
  has seen with its first result ("only the key matters"). commercetools retrying an
  Update whose answer it lost sends the same transaction, so the same key: Kustom answers
  the same Capture-Id / Refund-Id (or 204 again) and moves nothing again. A call that
  times out (or answers 5xx, or 409 while the key is still being carried out) leaves the
  transaction Pending without an id; the next push or reconciliation reads the order,
  whose captures and refunds carry their ids, and the Pending transaction of that type
  and amount takes the id and becomes Success: one capture, recorded once.
- GET /ordermanagement/v1/orders/{order_id} (reconciliation): a read; a timeout counts
  the payment as failed for this run, and the next run reads again.

Order management lists an order's captures and refunds with their ids (Klarna's order
object; Kustom's pages show only the totals: inferred), so a read-back tells the ones
the payment records (by id) from ones made in Kustom's back office (added). A
cancellation or release has no id of its own: it is recorded under the order id, and
read back from an accepted order that is CANCELLED or has nothing left authorized
(remaining_authorized_amount 0) as the uncaptured rest. The capture Kustom makes at
checkout (auto_capture) is recorded under the order id too, as the charge answer names no
capture: a read-back takes the order's first capture for it (fit_event).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...environment import Variable
from ...errors import InvalidNotification
from ...modifications import CANCEL, CHARGE, PARTIAL, REFUND, WHOLE, Balance, Modification
from ...payment import Payment
from ..base import Call, Event, ModificationCall, ModificationResult, Notification, Provider, Session
from . import examples, mapping
from .client import PLAYGROUND_API_URL, KustomClient, KustomConfig
from .schemas import FraudDecisionSchema


# The declarations every provider makes (base.Provider's), alike in shape by design.
class Kustom(Provider):
    name = "kustom"
    # Pushes have an empty body (the order id is in the query); fraud decisions are JSON.
    notification_schema = FraudDecisionSchema
    example_session_request = examples.session_request()
    # Several captures and refunds; a cancellation (before any capture) and a release
    # (after one) both end everything that is left.
    modification_reach: ClassVar[Mapping[str, str]] = {CHARGE: PARTIAL, REFUND: PARTIAL, CANCEL: WHOLE}
    variables = (
        Variable(
            "KUSTOM_API_KEY",
            "Kustom API key, sent as `Authorization: Basic <key>`; without it Kustom is disabled and its payments get a 400",
            secret=True,
            credential=True,
        ),
        Variable(
            "KUSTOM_API_URL",
            f"default the playground {PLAYGROUND_API_URL} (live https://api.kustom.co)",
            url=PLAYGROUND_API_URL,
        ),
    )
    config_class = KustomConfig
    client_class = KustomClient

    def open_session(self, payment: Payment, call: Call) -> Session:
        if mapping.declined_before(payment):
            # The payment records Kustom's decline: nothing to charge, nothing to write.
            return Session(interface_id=None)
        customer_token, order = mapping.order_request(payment, self.context.callback_url())
        charge = self.client.create_order(customer_token, order, mapping.idempotency_key(payment.id), call.deadline)
        return mapping.session(payment, order, charge)

    def read_notification(self, notification: Notification, call: Call) -> Event:
        # Neither pushes nor fraud decisions are signed: they only say which order to
        # read, and what Kustom answers for it is what counts.
        received = mapping.read_notification(notification)
        event = self._order_event(received, call)
        if event is None:
            raise InvalidNotification(f"Kustom has no order {received['order_id']}")
        return event

    def prepare_modification(self, payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
        return mapping.modification_call(payment, modification, balance)

    def send_modification(self, prepared: ModificationCall, call: Call) -> ModificationResult:
        change = prepared.request
        return mapping.modification_result(change, self.client.change_order(change, call.deadline))

    def read_back(self, payment: Payment, call: Call) -> Event | None:
        """The payment's order as order management holds it, applied as a push would be."""
        if not payment.interface_id:
            return None  # no order: the charge was declined, or never answered
        return self._order_event({"order_id": payment.interface_id}, call, kind="kustom.readBack")

    def _order_event(self, received: Mapping[str, Any], call: Call, kind: str | None = None) -> Event | None:
        """The event of the order `received` names, as order management holds it; None
        when Kustom has no such order."""
        answer = self.client.read_order(received["order_id"], call.deadline)
        if answer is None:
            return None
        return mapping.event(received, mapping.read_order(answer, received["order_id"]), kind)

    def fit_event(self, event: Event, payment: Payment) -> Event:
        mapping.check_against(event, payment)
        return mapping.with_checkout_capture(event, payment)

    def after_applied(self, event: Event, call: Call) -> None:
        self.client.acknowledge(mapping.order_id(event), call.deadline)
