"""How a provider's notification becomes payment transactions: the one path behind
/notifications/<provider>, and from the plan on behind the reconciliation's read-backs,
so that whichever of the two comes second changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from connector.actions import event_actions
from connector.ctp import Commercetools
from connector.errors import InvalidNotification, PaymentNotFound
from connector.http import Deadline
from connector.payment import Payment
from connector.providers import Providers
from connector.providers.base import Call, Event, Notification, Provider

# Providers stop waiting for our answer after about 30 s (Paynova's limit, the shortest
# documented) and count it as failed; the commercetools round trips of one notification,
# 409 retries included, give up before that so the answer is a 503 the provider retries.
COMMERCETOOLS_SECONDS = 20.0


@dataclass(frozen=True)
class Outcome:
    """What a notification did to its payment."""

    payment_id: str
    changed: bool  # False: the payment already showed it (a repeat)

    @property
    def status(self) -> str:
        return "applied" if self.changed else "unchanged"


class Notifications:
    def __init__(self, providers: Providers, commercetools: Commercetools, timeout: float):
        self.providers = providers
        self.commercetools = commercetools
        self.timeout = timeout  # for each provider call

    def receive(
        self,
        provider_name: str,
        notification: Notification,
        correlation_id: str,
        on_read: Callable[[Event], object] = lambda event: None,
    ) -> Outcome:
        """Reads a notification (the provider checks that it is authentic), applies it
        to its payment and acknowledges it. `on_read` learns the event before it is
        applied, so that whatever fails later can be told with its payment.

        Raises NotAuthentic, InvalidNotification (it is not usable, or does not fit its
        payment), ProviderDisabled, ProviderUnavailable or CommercetoolsUnavailable (a
        retry may succeed)."""
        provider = self.providers.get(provider_name)
        event = provider.read_notification(notification, self._call(correlation_id))
        on_read(event)
        changed = self.apply(provider, event, correlation_id)
        # On repeats too, as an earlier attempt may have failed here; with a deadline of
        # its own, as the commercetools round trips may have used up the first one.
        provider.after_applied(event, self._call(correlation_id))
        return Outcome(event.payment_id, changed)

    def apply(self, provider: Provider, event: Event, correlation_id: str, just_read: Payment | None = None) -> bool:
        """Writes an event onto its payment, retrying on 409 with the fresh version;
        False when the payment already shows it (a repeat changes nothing, not even the
        interaction log). A payment the caller `just_read` saves reading it again."""
        plan = partial(self.actions, provider, event, correlation_id=correlation_id)
        try:
            _, changed = self.commercetools.modify_payment(
                event.payment_id, plan, correlation_id, Deadline(COMMERCETOOLS_SECONDS), just_read=just_read
            )
        except PaymentNotFound:
            raise InvalidNotification(f"unknown payment {event.payment_id}") from None
        return changed

    @staticmethod
    def actions(provider: Provider, event: Event, payment: Payment, correlation_id: str) -> list[dict]:
        """The update actions an event makes on the payment as read (for each attempt);
        InvalidNotification when it does not fit the payment."""
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

    def _call(self, correlation_id: str) -> Call:
        return Call(Deadline(self.timeout), correlation_id)
