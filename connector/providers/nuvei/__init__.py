"""Nuvei: openOrder.do from the extension (and /openOrder), DMNs into transactions,
captures, refunds and cancellations, and read-back for DMNs and reconciliation.

- Capture = settleTransaction.do of the payment's Auth (partial, several times),
  refund = refundTransaction.do of a Sale or Settle (partial, several times; one capture
  per call, the refunds so far counted against the captures in order), cancel =
  voidTransaction.do of the Auth for an amount (partial). Each carries clientUniqueId =
  the payment id, clientRequestId = commercetools' transaction id, and the Auth's
  authCode when Nuvei gave one: the connector finds it where Nuvei's word was recorded,
  in the response of the interaction of the Auth's verified DMN (or of its read-back).
- DMNs that change money are verified by read-back: getTransactionDetails.do of the
  DMN's TransactionID must name the same payment, transaction type (and related
  transaction and authCode where both give one); the payment records Nuvei's status.
  The DMN's checksum covers the amount. A DMN Nuvei disagrees with, or for a
  transaction Nuvei does not hold, is refused (400); no answer from Nuvei is a 503,
  which Nuvei retries. A DMN for a 3-D Secure step (no money) is not read back.
- Reconciliation reads back each Pending transaction by its id, and the payment's
  latest transaction (by clientUniqueId) where the payment records none yet or records
  a modification whose answer never came.

What a retry after a timeout gets, call by call:

- openOrder.do: a second open order. Nuvei cannot be asked for the first one again: it
  reads transactions back (getTransactionDetails.do), and an open order has none yet.
  Nor can the retry repeat the first call: clientRequestId is Nuvei's duplicate guard,
  which refuses a repeat (status ERROR, no sessionToken) rather than answering it
  again, so a payment whose first answer was lost would never open. That is why every
  openOrder.do sends a clientRequestId of its own (client.py). The second order costs
  nothing: an open order is no money, only the session in which the shopper may pay,
  and the first one's sessionToken never reached anyone, so nobody pays in it and it
  expires unused at Nuvei. The payment records the order it received; its DMNs find the
  payment by clientUniqueId (the payment id), as they would for either order.
- settleTransaction.do, refundTransaction.do, voidTransaction.do: the connector does
  not retry them itself. A call without an answer in time is recorded Pending, without
  Nuvei's id (the money may have moved); Nuvei's Settle/Credit/Void DMN then finds that
  transaction by type and amount and gives it its id and state, or, if the DMN is lost,
  the reconciliation does from the payment's latest transaction at Nuvei. The same
  modification sent again (commercetools repeating the Update after the first answer was
  lost) carries the same clientRequestId, which Nuvei refuses as a repeat (errCode
  1069) and moves no money: the connector reads the payment's latest transaction back
  and records the first call's outcome and id, once. Where it cannot be sure that the
  latest transaction is that one (another modification of the same type in the Update,
  or a later one at Nuvei), it records Pending without an id for the DMN or the
  reconciliation to settle; never a Failure.
- getTransactionDetails.do: a read; each call has a clientRequestId of its own.
- DMNs are Nuvei's to repeat: a DMN applied before changes nothing (it is read back
  again, one Nuvei call, before commercetools tells that it is a repeat).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ...environment import Variable
from ...errors import InvalidNotification
from ...modifications import CANCEL, CHARGE, PARTIAL, REFUND, Balance, Modification
from ...payment import Payment
from ...status_words import same_status
from ..base import Call, Event, ModificationCall, ModificationResult, Notification, Provider, Session
from . import examples, mapping
from .client import SUCCESS, TEST_API_URL, NuveiClient, NuveiConfig, refusal
from .mapping import NuveiModification, TransactionDetails
from .schemas import DmnSchema
from .signature import verify_dmn


class Nuvei(Provider):
    name = "nuvei"
    notification_methods = ("GET", "POST")  # DMNs come either way
    notification_schema = DmnSchema
    notification_media_type = "application/x-www-form-urlencoded"
    example_session_request = examples.session_request()
    variables = (
        Variable(
            "NUVEI_MERCHANT_ID",
            "Nuvei merchant id; without the credentials Nuvei is disabled and its payments get a 400",
            credential=True,
        ),
        Variable("NUVEI_MERCHANT_SITE_ID", "Nuvei merchant site id", credential=True),
        Variable(
            "NUVEI_SECRET_KEY",
            "Nuvei merchant secret key (request checksums, DMN checksums)",
            secret=True,
            credential=True,
        ),
        Variable(
            "NUVEI_API_URL", f"default {TEST_API_URL} (live https://secure.safecharge.com/ppp/api/v1)", url=TEST_API_URL
        ),
    )
    modification_reach: ClassVar[Mapping[str, str]] = {CHARGE: PARTIAL, REFUND: PARTIAL, CANCEL: PARTIAL}
    config_class = NuveiConfig
    client_class = NuveiClient

    def open_session(self, payment: Payment, call: Call) -> Session:
        order = mapping.order_request(payment, self.context.notification_url)
        request, answer = self.client.open_order(order, call.deadline)
        return mapping.session(request, answer)

    def read_notification(self, notification: Notification, call: Call) -> Event:
        fields = notification.fields
        verify_dmn(fields, self.config.secret_key)
        dmn = mapping.read_dmn(fields)
        self._check_merchant(dmn)
        if not mapping.changes_money(dmn):
            return mapping.event(dmn, fields)
        details = self._details(call, transaction_id=dmn["TransactionID"])
        return mapping.verified_event(dmn, fields, details)

    def fit_event(self, event: Event, payment: Payment) -> Event:
        mapping.check_against(event, payment)
        return event

    def prepare_modification(self, payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
        return mapping.modification_call(payment, modification, balance)

    def send_modification(self, prepared: ModificationCall, call: Call) -> ModificationResult:
        request: NuveiModification = prepared.request
        answer = self.client.modify(request.operation.method, request.fields, call.deadline)
        if same_status(answer.get("status"), SUCCESS):
            return mapping.modification_result(answer)
        if not mapping.refused_as_repeat(answer):
            raise refusal(answer, f"{request.operation.method} failed")
        latest = self._details(call, client_unique_id=request.fields["clientUniqueId"])
        return mapping.repeated_result(request, answer, latest)

    def read_back(self, payment: Payment, call: Call) -> Event | None:
        pending = [t for t in payment.transactions if t.state == "Pending"]
        by_id = [(t, self._details(call, transaction_id=t.interaction_id)) for t in pending if t.interaction_id]
        asked: dict[str, object] = {"transactionIds": [t.interaction_id for t, _ in by_id]}
        latest = None
        if not payment.transactions or any(t.interaction_id is None for t in pending):
            asked["clientUniqueId"] = payment.id
            latest = self._details(call, client_unique_id=payment.id)
        found = [(t, details) for t, details in by_id if details is not None]
        return mapping.read_back_event(payment, asked, found, latest)

    def _details(
        self, call: Call, *, transaction_id: str | None = None, client_unique_id: str | None = None
    ) -> TransactionDetails | None:
        answer = self.client.transaction_details(
            call.deadline, transaction_id=transaction_id, client_unique_id=client_unique_id
        )
        return mapping.transaction_details(answer)

    def _check_merchant(self, dmn: dict) -> None:
        for field, expected in (
            ("merchant_id", self.config.merchant_id),
            ("merchant_site_id", self.config.merchant_site_id),
        ):
            if dmn[field] is not None and dmn[field] != expected:
                raise InvalidNotification(f"the DMN is for another merchant ({field})")
