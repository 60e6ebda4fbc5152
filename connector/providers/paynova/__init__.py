"""Paynova: an order and a payment session from the extension, digest-checked event hook
notifications into transactions, and finalize, annul and refund for the merchant's
Charge, CancelAuthorization and Refund (modifications.py).

What a retry after a timeout gets, call by call:

- POST orders/{orderId}/initializePayment: when it fails or times out on an Update, the
  created order is recorded (a custom object keyed by the payment id, on every
  replica), and the retried Update finds the record, reuses the order and opens another
  session on it: Paynova holds the one order, and a first session whose id and URL
  reached nobody takes no money and expires; its SESSION_END changes nothing, as it is
  not the payment's sessionToken (mapping.fit_to). Nothing is recorded on a Create (a
  failed Create stores no payment, so nothing can retry it) or on success (the session
  is on the payment): the checkout's success path asks commercetools nothing for a new
  payment, and only for that record on an Update. An Update whose answer commercetools
  lost after both calls went through is the one case left: its retry creates a second
  order, which has no session that reached a shopper and so takes no money.
- POST orders/create: when it times out after Paynova created the order, the connector
  never learned the orderId, and Paynova reads orders by orderId only (nothing finds an
  order by orderNumber), so the retry creates a second order with the same orderNumber.
  The first has no session and so no money; it stays unused at Paynova. (Paynova wants
  orderNumber unique when a credit product is the payment method; the first order never
  reached a payment method.) The same holds when commercetools fails to record a
  created order.
- POST .../transactions/{authorization}/finalize/{totalAmount} and
  .../transactions/{finalized}/refund/{totalAmount}: the body's invoiceId is the
  commercetools transaction id. A call that timed out leaves its transaction Pending;
  commercetools repeating the Update (its answer lost) sends the same invoiceId, and
  Paynova answers the first result without moving money again (invoiceId as the
  idempotency key: the contract's, inferred at Paynova): one capture or refund, one id.
- POST .../transactions/{authorization}/annul/{totalAmount}: takes no invoiceId. A
  repeat finds the authorization annulled, and Paynova refuses it "already annulled"
  (ALREADY_ANNULLED, inferred), which the connector reads as done: the Success of the
  one annulment, never a second.
- Event hooks are Paynova's to repeat (up to 3 deliveries): one applied before changes
  nothing. Paynova's PAYMENT events close the loop of a finalize (COMPLETED, naming the
  finalize's transactionId) and an annulment (CANCELLED, naming the authorization): they
  update the Charge or CancelAuthorization the extension recorded, or settle the Pending
  one a timeout left (mapping.fit_to, TransactionChange.matches_pending). Paynova
  documents no PAYMENT_STATUS for a refund: a refund that got no answer stays Pending
  until the merchant settles it from Paynova's Merchant Services.

Reconciliation: Paynova's API has no call that reads an order's payments back (it finds
nothing by orderNumber, and no GET of an order or a transaction exists), so this provider
has no read_back and `python -m notification.reconcile` skips its payments with a
log line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar

from ...environment import Variable
from ...errors import CommercetoolsUnavailable, InvalidNotification, ProviderRefused, ProviderUnavailable
from ...http import Deadline
from ...modifications import CANCEL, CHARGE, PARTIAL, REFUND, WHOLE, Balance, Modification
from ...payment import Payment
from ..base import Call, Event, ModificationCall, ModificationResult, Notification, Provider, Session
from . import examples, mapping, modifications
from .client import TEST_API_URL, PaynovaClient, PaynovaConfig
from .schemas import EventHookSchema
from .signature import verify_event

log = logging.getLogger(__name__)

# commercetools time for recording an order whose session failed.
RECORD_SECONDS = 2.0


# The declarations every provider makes (base.Provider's), alike in shape by design.
class Paynova(Provider):
    name = "paynova"
    notification_schema = EventHookSchema
    notification_media_type = "application/x-www-form-urlencoded"
    example_session_request = examples.session_request()
    # Partial finalizes and refunds; an annulment releases what is left of the
    # authorization (a partial one needs line items, and some methods allow none).
    modification_reach: ClassVar[Mapping[str, str]] = {CHARGE: PARTIAL, REFUND: PARTIAL, CANCEL: WHOLE}
    variables = (
        Variable(
            "PAYNOVA_MERCHANT_ID",
            "Paynova merchant id (the API user); without the credentials Paynova is disabled and its payments get a 400",
            credential=True,
        ),
        Variable("PAYNOVA_API_PASSWORD", "Paynova API password (HTTP Basic)", secret=True, credential=True),
        Variable("PAYNOVA_SECRET_KEY", "Paynova secret key (notification digests)", secret=True, credential=True),
        Variable(
            "PAYNOVA_API_URL", f"default {TEST_API_URL} (live: https://paygate.paynova.com/api)", url=TEST_API_URL
        ),
    )
    config_class = PaynovaConfig
    client_class = PaynovaClient

    def open_session(self, payment: Payment, call: Call) -> Session:
        order, session = mapping.request_bodies(payment, self.context.notification_url)
        earlier = None if call.new_payment else self.context.state.get(payment.id, call.deadline)
        if earlier is not None:
            mapping.check_reusable(earlier, order)
            order_id, created = earlier["orderId"], None
        else:
            answer = self.client.create_order(order, call.deadline)
            order_id, created = answer["orderId"], mapping.order_interaction(order, answer)
        try:
            opened = self.client.initialize_payment(order_id, session, call.deadline)
        except (ProviderRefused, ProviderUnavailable):
            if created is not None and not call.new_payment:
                self._remember(payment.id, mapping.order_record(order, order_id))
            raise
        return mapping.session(order_id, session, opened, created)

    def _remember(self, payment_id: str, record: dict) -> None:
        """Keeps an order whose session failed where the retried Update, on any replica,
        finds it. Only then: a failed Create stores no payment to retry, and a session
        that opened is on the payment (interfaceId). Its own budget, as the failure may
        have used up the answer's deadline."""
        try:
            stored = self.context.state.create(payment_id, record, Deadline(RECORD_SECONDS))
        except CommercetoolsUnavailable as error:
            log.warning(
                "payment %s: Paynova order %s not recorded (%s); a retry creates another",
                payment_id,
                record["orderId"],
                error,
            )
            return
        if stored["orderId"] != record["orderId"]:
            # A concurrent attempt recorded its order first: the retry reuses that one.
            log.warning(
                "payment %s: Paynova order %s is left unused for %s", payment_id, record["orderId"], stored["orderId"]
            )

    def prepare_modification(self, payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
        return modifications.call(payment, modification, balance)

    def send_modification(self, prepared: ModificationCall, call: Call) -> ModificationResult:
        return modifications.result(prepared.request, self.client.modify(prepared.request, call.deadline))

    def read_notification(self, notification: Notification, call: Call) -> Event:
        fields = notification.form
        verify_event(fields, notification.headers, notification.body, self.config.secret_key)
        if fields.get("MERCHANT_ID") != self.config.merchant_id:
            raise InvalidNotification("the notification is for another merchant (MERCHANT_ID)")
        return mapping.event(mapping.read_event(fields), fields)

    def fit_event(self, event: Event, payment: Payment) -> Event:
        mapping.check_against(event, payment)
        return mapping.fit_to(event, payment)
