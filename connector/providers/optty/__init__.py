"""Optty: buy-now-pay-later orders from the extension; webhooks read back from Optty
(it does not sign them) and applied."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from ...environment import Environment, Variable
from ...errors import CommercetoolsUnavailable, InvalidNotification, ProviderRefused
from ...payment import Payment
from ..base import Call, Event, Notification, Provider, ProviderContext, Session
from . import examples, mapping
from .client import TEST_API_URL, TEST_AUTH_URL, OpttyClient, OpttyConfig
from .schemas import WebhookSchema

log = logging.getLogger(__name__)

# Optty's default when an order does not say.
DEFAULT_AUTO_CAPTURE = True


class Optty(Provider):
    name = "optty"
    notification_schema = WebhookSchema
    example_session_request = examples.session_request()
    variables = (
        Variable("OPTTY_CLIENT_ID", "Optty API client id; without the credentials Optty is disabled", credential=True),
        Variable("OPTTY_CLIENT_SECRET", "Optty API client secret (client credentials)", secret=True, credential=True),
        Variable("OPTTY_AUTH_URL", f"default {TEST_AUTH_URL}; the token comes from /token"),
        Variable("OPTTY_API_URL", f"default {TEST_API_URL}; /orders is appended"),
    )

    def __init__(self, config: OpttyConfig, context: ProviderContext):
        super().__init__(config, context)
        self.client = OpttyClient(config)

    @classmethod
    def config_from_env(cls, env: Environment) -> OpttyConfig | None:
        # The URLs are checked even while Optty is disabled: a bad setting stops start-up.
        auth_url = env.url("OPTTY_AUTH_URL", TEST_AUTH_URL)
        api_url = env.url("OPTTY_API_URL", TEST_API_URL)
        credentials = env.credentials(*cls.credentials())
        if credentials is None:
            return None
        return OpttyConfig(
            client_id=credentials["OPTTY_CLIENT_ID"],
            client_secret=credentials["OPTTY_CLIENT_SECRET"],
            auth_url=auth_url,
            api_url=api_url,
        )

    def open_session(self, payment: Payment, call: Call) -> Session:
        """Creates the Optty order, unless an earlier attempt for the same payment did.

        Every attempt is recorded (a custom object keyed by the payment id) before
        POST /orders, and Optty's answer after it. An attempt that finds an earlier
        record asks Optty (GET /orders/{ref}) instead of creating a second order."""
        order = mapping.order_request(payment, self.context.notification_url)
        attempt = {"attempt": uuid.uuid4().hex, "autoCapture": order["autoCapture"]}
        record = self.context.state.create(payment.id, attempt, call.deadline) or attempt
        if record["attempt"] != attempt["attempt"]:
            earlier = self._earlier_order(payment.id, record, call)
            if earlier is not None:
                return earlier
        request, answer = self.client.create_order(order, call.deadline)
        self._remember(payment.id, {**attempt, "order": answer}, call)
        return mapping.session(request, answer)

    def read_notification(self, notification: Notification, call: Call) -> Event:
        """Optty does not sign webhooks: a webhook only names the order, and what Optty
        answers for it decides."""
        webhook = mapping.read_webhook(notification.json())
        if not mapping.is_order_event(webhook):
            return mapping.event(webhook, None, DEFAULT_AUTO_CAPTURE)
        reference = webhook["data"]["orderReference"]
        held = self.client.get_order(reference, call.deadline)
        if held is None:
            raise InvalidNotification(f"Optty has no order {reference}")
        return mapping.event(webhook, held, self._requested_auto_capture(reference, call))

    def _earlier_order(self, reference: str, record: dict[str, Any], call: Call) -> Session | None:
        """The session of the order an earlier attempt created; None when Optty holds
        none (that attempt failed before Optty stored it)."""
        held = self.client.get_order(reference, call.deadline)
        if held is None:
            return None
        if "order" not in record:
            # Optty has the order but its answer (token, redirectUrl) never reached us,
            # and GET /orders does not repeat them: the checkout cannot be resumed.
            raise ProviderRefused(
                "optty",
                code=None,
                message=f"Optty already holds order {reference} from an earlier attempt whose answer was lost; "
                "create a new payment",
                details={"orderReference": reference, "status": held.get("status")},
            )
        return mapping.reused_session(record["order"], held, record["autoCapture"])

    def _remember(self, reference: str, record: dict[str, Any], call: Call) -> None:
        try:
            self.context.state.put(reference, record, call.deadline)
        except CommercetoolsUnavailable as error:
            # The shopper's order stands; only a retry of this very call would miss it.
            log.warning("could not record Optty order %s: %s", reference, error)

    def _requested_auto_capture(self, reference: str, call: Call) -> bool:
        # What the connector asked for, not Optty's captureStatus, whose values Optty
        # does not document (inferred).
        record = self.context.state.get(reference, call.deadline)
        return record.get("autoCapture", DEFAULT_AUTO_CAPTURE) if record else DEFAULT_AUTO_CAPTURE
