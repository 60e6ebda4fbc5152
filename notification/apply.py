"""How a verified provider event becomes a change of the commercetools payment."""

from __future__ import annotations

from collections.abc import Callable

from connector.actions import event_actions
from connector.ctp import Commercetools
from connector.errors import InvalidNotification, PaymentNotFound
from connector.http import Deadline
from connector.payment import Payment
from connector.providers.base import Event, Provider


def apply_event(
    commercetools: Commercetools,
    provider: Provider,
    event: Event,
    correlation_id: str,
    deadline: Deadline | None = None,
    just_read: Payment | None = None,
) -> bool:
    """Writes the event onto its payment; False when the payment already shows it (a
    repeat changes nothing, not even the interaction log). Past the deadline,
    CommercetoolsUnavailable. A payment the caller `just_read` saves reading it again."""
    try:
        _, changed = commercetools.modify_payment(
            event.payment_id, event_plan(provider, event, correlation_id), correlation_id, deadline, just_read=just_read
        )
    except PaymentNotFound:
        raise InvalidNotification(f"unknown payment {event.payment_id}") from None
    return changed


def event_plan(provider: Provider, event: Event, correlation_id: str) -> Callable[[Payment], list[dict]]:
    """The update actions an event makes on a payment, as read for each attempt."""

    def plan(payment: Payment) -> list[dict]:
        if payment.provider_name != provider.name:
            raise InvalidNotification(f"payment {payment.id} is not a {provider.name} payment")
        for change in event.transactions:
            if change.amount and change.amount.currency != payment.amount_planned.currency:
                # Signatures do not always cover the payment reference; a notification
                # replayed onto another payment must at least agree on its currency.
                raise InvalidNotification(
                    f"the notification is in {change.amount.currency}, the payment in {payment.amount_planned.currency}"
                )
        return event_actions(payment, provider.fit_event(event, payment), correlation_id)

    return plan
