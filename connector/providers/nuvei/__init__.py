"""Nuvei: openOrder.do from the extension (and /openOrder), DMNs into transactions.

What a retry after a timeout gets, call by call:

- openOrder.do: a second open order. Nuvei cannot be asked for the first one again: it
  reads transactions back (getTransactionDetails.do), and an open order has none yet.
  Nor can the retry repeat the first call: clientRequestId is Nuvei's duplicate guard,
  which refuses a repeat (status ERROR, no sessionToken) rather than answering it
  again, so a payment whose first answer was lost would never open. That is why every
  call sends a clientRequestId of its own (client.py). The second order costs nothing:
  an open order is no money, only the session in which the shopper may pay, and the
  first one's sessionToken never reached anyone, so nobody pays in it and it expires
  unused at Nuvei. The payment records the order it received; its DMNs find the payment
  by clientUniqueId (the payment id), as they would for either order.
- DMNs are Nuvei's to repeat: a DMN applied before changes nothing.
"""

from __future__ import annotations

from ...environment import Environment, Variable
from ...errors import InvalidNotification
from ...payment import Payment
from ..base import Call, Event, Notification, Provider, ProviderContext, Session
from . import examples, mapping
from .client import TEST_API_URL, NuveiClient, NuveiConfig
from .schemas import DmnSchema
from .signature import verify_dmn


class Nuvei(Provider):
    name = "nuvei"
    notification_methods = ("GET", "POST")  # DMNs come either way
    notification_schema = DmnSchema
    notification_media_type = "application/x-www-form-urlencoded"
    example_session_request = examples.session_request()
    variables = (
        Variable("NUVEI_MERCHANT_ID", "Nuvei merchant id; without the credentials Nuvei is disabled", credential=True),
        Variable("NUVEI_MERCHANT_SITE_ID", "Nuvei merchant site id", credential=True),
        Variable("NUVEI_SECRET_KEY", "Nuvei merchant secret key (checksums)", secret=True, credential=True),
        Variable("NUVEI_API_URL", f"default {TEST_API_URL}"),
    )

    def __init__(self, config: NuveiConfig, context: ProviderContext):
        super().__init__(config, context)
        self.client = NuveiClient(config)

    @classmethod
    def config_from_env(cls, env: Environment) -> NuveiConfig | None:
        credentials = env.credentials(*cls.credentials())
        if credentials is None:
            return None
        return NuveiConfig(
            merchant_id=credentials["NUVEI_MERCHANT_ID"],
            merchant_site_id=credentials["NUVEI_MERCHANT_SITE_ID"],
            secret_key=credentials["NUVEI_SECRET_KEY"],
            api_url=env.url("NUVEI_API_URL", TEST_API_URL),
        )

    def open_session(self, payment: Payment, call: Call) -> Session:
        order = mapping.order_request(payment, self.context.notification_url)
        request, answer = self.client.open_order(order, call.deadline)
        return mapping.session(request, answer)

    def read_notification(self, notification: Notification, call: Call) -> Event:
        fields = notification.fields
        verify_dmn(fields, self.config.secret_key)
        dmn = mapping.read_dmn(fields)
        self._check_merchant(dmn)
        return mapping.event(dmn, fields)

    def check_event(self, event: Event, payment: Payment) -> None:
        mapping.check_against(event, payment)

    def _check_merchant(self, dmn: dict) -> None:
        for field, expected in (
            ("merchant_id", self.config.merchant_id),
            ("merchant_site_id", self.config.merchant_site_id),
        ):
            if dmn[field] is not None and dmn[field] != expected:
                raise InvalidNotification(f"the DMN is for another merchant ({field})")
