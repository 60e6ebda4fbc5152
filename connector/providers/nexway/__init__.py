"""Nexway Connect: reseller orders from the extension, order notifications into
transactions, refunds and cancellations of the whole order (modifications.py; no
capture: Nexway charges when the order is placed), and the order read back for
reconciliation.

What a retry after a timeout gets, call by call:

- POST /iam/tokens: another token; one the first call may have been issued is never
  used. Tokens are no orders: nothing is left behind.
- POST /connect/order/new: Nexway keeps one order per partnerOrderNumber, which is the
  payment id. When the first call timed out after Nexway created the order, the retried
  extension call gets responseCode 1010 (order already created) naming the orderNumber;
  the connector reads it with GET /connect/order/{orderNumber} and opens the payment on
  it, whatever its status now (an order cancelled since is a failed Charge on the
  payment, not a refusal). So the connector ends up with the one order Nexway holds.
- GET /connect/order/{orderNumber}: a read; a timeout is a 400 General and the next
  attempt gets 1010 again.
- PUT /connect/order/cancel (a merchant's Refund or CancelAuthorization): a call that
  timed out leaves its transaction Pending, and Nexway's `canceled` notification then
  settles it (mapping.fit_cancellation finds it by type and amount). commercetools repeating
  the Update (its answer lost) cancels again: Nexway refuses an order cancelled already
  (1071 at the sandbox; any refusal is checked the same way), the connector reads the
  order back, finds it CANCELED and records the Success of the one cancellation. Nexway
  cancels an order once, so nothing is refunded twice.
- Notifications are Nexway's to repeat: one applied before changes nothing. The
  `canceled` notification of a cancellation the extension made updates the Refund or
  CancelAuthorization it recorded (interactionId = the order number) instead of adding
  one; a cancellation made in Nexway's back office adds the Refund as before.

Reconciliation: GET /connect/order/{interfaceId} reads the order back, and its status
applies as the notification of that status would (read_back): a lost `canceled` or
`completed` settles the payment, and the late notification then changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar

from ...environment import Variable
from ...errors import NotAuthentic, ProviderRefused, ProviderUnavailable
from ...modifications import CANCEL, CHARGE, REFUND, WHOLE, Balance, Modification
from ...payment import Payment
from ...web import BasicAuth
from ..base import Call, Event, ModificationCall, ModificationResult, Notification, Provider, ProviderContext, Session
from . import examples, mapping, modifications
from .client import UAT_API_URL, NexwayClient, NexwayConfig, OrderAlreadyCreated, refusal
from .schemas import NotificationSchema


class Nexway(Provider):
    name = "nexway"
    notification_schema = NotificationSchema
    notification_url_in_back_office = True
    example_session_request = examples.session_request()
    # PUT /connect/order/cancel cancels the whole order: a refund of a completed one, the
    # cancellation of one still waiting for Nexway's validation (modifications.py).
    modification_reach: ClassVar[Mapping[str, str]] = {REFUND: WHOLE, CANCEL: WHOLE}
    cannot: ClassVar[Mapping[str, str]] = {CHARGE: "Nexway charges when the order is placed"}
    variables = (
        Variable(
            "NEXWAY_SECRET",
            "Nexway Connect catalog secret (the `secret` header); all five `NEXWAY_*` credentials or none (then Nexway is disabled and its payments get a 400)",
            secret=True,
            credential=True,
        ),
        Variable("NEXWAY_CLIENT_SECRET", "Nexway IAM client secret (the Bearer token)", secret=True, credential=True),
        Variable("NEXWAY_REALM", "Nexway IAM realm", credential=True),
        Variable(
            "NEXWAY_NOTIFICATION_USERNAME",
            "the HTTP Basic user the merchant set for notifications in Nexway's back office",
            credential=True,
        ),
        Variable("NEXWAY_NOTIFICATION_PASSWORD", "its password", secret=True, credential=True),
        Variable("NEXWAY_API_URL", f"default {UAT_API_URL} (UAT; live https://api.nexway.store)", url=UAT_API_URL),
    )
    config_class = NexwayConfig
    client_class = NexwayClient

    def __init__(self, config: NexwayConfig, context: ProviderContext, client: NexwayClient | None = None):
        super().__init__(config, context, client)
        # The credentials the merchant set for notifications in Nexway's back office.
        self.notification_auth = BasicAuth(config.notification_username, config.notification_password)

    def open_session(self, payment: Payment, call: Call) -> Session:
        order = mapping.order_request(payment, datetime.now(UTC).isoformat(timespec="seconds"))
        try:
            answer = self.client.create_order(order, call.deadline)
        except OrderAlreadyCreated as created:
            # An earlier attempt for this payment created the order and its answer was
            # lost: Nexway's 1010 names the order, which is read back instead.
            existing = self.client.get_order(created.order_number, call.deadline)
            return mapping.session(
                payment,
                existing,
                (
                    mapping.interaction("nexway.createOrder", order, created.answer),
                    mapping.interaction("nexway.getOrder", {"orderNumber": created.order_number}, existing),
                ),
            )
        return mapping.session(payment, answer, (mapping.interaction("nexway.createOrder", order, answer),))

    def available(self, balance: Balance, type_: str) -> int:
        """A Nexway order still waiting is a Pending Charge, with no Authorization: what
        a cancellation stops is that Charge."""
        if type_ == CANCEL:
            return max(balance.charging - balance.cancelled, 0)
        return balance.available(type_)

    def prepare_modification(self, payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
        return modifications.call(payment, modification)

    def send_modification(self, prepared: ModificationCall, call: Call) -> ModificationResult:
        cancellation = prepared.request
        answer = self.client.cancel_order(cancellation.body, call.deadline)
        done = modifications.cancelled(cancellation, answer)
        if done is not None:
            return done
        try:
            order = self.client.get_order(cancellation.order_number, call.deadline)
        except (ProviderRefused, ProviderUnavailable):
            raise refusal(answer) from None
        return modifications.cancelled_before(cancellation, answer, order)

    def read_back(self, payment: Payment, call: Call) -> Event | None:
        """The order as GET /connect/order/{interfaceId} shows it, as the notification of
        its status would carry it; None for a payment without a Nexway order, or one
        Nexway does not know (1030, inferred)."""
        if not payment.interface_id:
            return None
        try:
            order = self.client.get_order(payment.interface_id, call.deadline)
        except ProviderRefused as refused:
            if refused.code == mapping.ORDER_NOT_FOUND:
                return None
            raise
        return mapping.read_back_event(payment, order)

    def read_notification(self, notification: Notification, call: Call) -> Event:
        if not self.notification_auth.accepts(notification.headers.get("Authorization")):
            raise NotAuthentic("missing or wrong Basic credentials")
        return mapping.event(mapping.read_notification(notification.json()))

    def fit_event(self, event: Event, payment: Payment) -> Event:
        mapping.check_against(event, payment)
        return mapping.fit_cancellation(event, payment)
