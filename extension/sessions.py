"""Opening a provider session for a payment: the one path behind /extension and
/openOrder, so both leave the payment in the same state."""
from __future__ import annotations

from connector.actions import session_actions
from connector.http import Deadline
from connector.payment import Payment
from connector.providers import Providers
from connector.providers.base import Call, Provider, Session


class Sessions:
    def __init__(self, providers: Providers, timeout: float):
        self.providers = providers
        self.timeout = timeout

    def provider_for(self, payment: Payment) -> Provider | None:
        """The payment's provider, or None when the payment is not ours."""
        return self.providers.for_payment(payment)

    def open(self, provider: Provider, payment: Payment, correlation_id: str) -> Session:
        # One deadline for every call this answer needs (token, order, session...).
        return provider.open_session(payment, Call(Deadline(self.timeout), correlation_id))

    def extension_actions(self, payment: Payment, correlation_id: str) -> list[dict]:
        """The update actions answering commercetools for a payment Create or Update.

        A payment that already has a session is left alone: the provider is never
        called twice for one payment."""
        provider = self.provider_for(payment)
        if provider is None or payment.has_session:
            return []
        session = self.open(provider, payment, correlation_id)
        return session_actions(payment, session, correlation_id)
