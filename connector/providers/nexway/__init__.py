"""Nexway Connect: reseller orders from the extension, order notifications into
transactions.

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
- Notifications are Nexway's to repeat: one applied before changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ...environment import Environment, Variable
from ...errors import NotAuthentic
from ...payment import Payment
from ...web import BasicAuth
from ..base import Call, Event, Notification, Provider, ProviderContext, Session
from . import examples, mapping
from .client import UAT_API_URL, NexwayClient, NexwayConfig, OrderAlreadyCreated
from .schemas import NotificationSchema


class Nexway(Provider):
    name = "nexway"
    notification_schema = NotificationSchema
    example_session_request = examples.session_request()
    variables = (
        Variable("NEXWAY_SECRET", "Nexway Connect catalog secret (the secret header)", secret=True, credential=True),
        Variable("NEXWAY_CLIENT_SECRET", "Nexway IAM client secret (the Bearer token)", secret=True, credential=True),
        Variable("NEXWAY_REALM", "Nexway IAM realm", credential=True),
        Variable(
            "NEXWAY_NOTIFICATION_USERNAME",
            "Basic user the merchant set for notifications in Nexway's back office",
            credential=True,
        ),
        Variable("NEXWAY_NOTIFICATION_PASSWORD", "its password", secret=True, credential=True),
        Variable("NEXWAY_API_URL", f"default {UAT_API_URL}"),
    )

    def __init__(self, config: NexwayConfig, context: ProviderContext):
        super().__init__(config, context)
        self.client = NexwayClient(config)
        # The credentials the merchant set for notifications in Nexway's back office.
        self.notification_auth = BasicAuth(config.notification_username, config.notification_password)

    @classmethod
    def config_from_env(cls, env: Environment) -> NexwayConfig | None:
        # All five or none: Nexway without notification credentials could not tell
        # its notifications from forgeries.
        credentials = env.credentials(*cls.credentials())
        if credentials is None:
            return None
        return NexwayConfig(
            secret=credentials["NEXWAY_SECRET"],
            client_secret=credentials["NEXWAY_CLIENT_SECRET"],
            realm=credentials["NEXWAY_REALM"],
            notification_username=credentials["NEXWAY_NOTIFICATION_USERNAME"],
            notification_password=credentials["NEXWAY_NOTIFICATION_PASSWORD"],
            api_url=env.url("NEXWAY_API_URL", UAT_API_URL),
        )

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

    def read_notification(self, notification: Notification, call: Call) -> Event:
        if not self.notification_auth.accepts(notification.headers.get("Authorization")):
            raise NotAuthentic("missing or wrong Basic credentials")
        return mapping.event(mapping.read_notification(notification.json()))

    def check_event(self, event: Event, payment: Payment) -> None:
        mapping.check_against(event, payment)

    def adjust_event(self, event: Event, payment: Payment) -> Event:
        return mapping.adjust_event(event, payment)
