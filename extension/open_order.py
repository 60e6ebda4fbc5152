"""POST /openOrder: a Nuvei session token for an existing commercetools payment."""

from __future__ import annotations

from typing import Any

from connector.actions import session_actions
from connector.ctp import Commercetools
from connector.errors import InvalidInput, PaymentNotFound
from connector.http import Deadline
from connector.money import AmountError, Money
from connector.payment import Payment
from connector.providers.nuvei import Nuvei

from .sessions import Sessions

# The storefront waits on /openOrder: its commercetools round trips (the payment read, then
# the write with its 409 retries) share this budget and answer 503 once it is spent. The
# Nuvei call has the provider timeout of its own.
COMMERCETOOLS_SECONDS = 10.0


class OpenOrder:
    def __init__(self, sessions: Sessions, commercetools: Commercetools):
        self.sessions = sessions
        self.commercetools = commercetools

    def session_token(self, body: dict[str, Any], correlation_id: str) -> str:
        """The payment's session token, opening a Nuvei order when it has none yet."""
        deadline = Deadline(COMMERCETOOLS_SECONDS)
        payment = self._payment(body, deadline)
        existing = payment.custom_field("sessionToken")
        if existing:
            return existing
        session = self.sessions.open(self.sessions.providers.get(Nuvei.name), payment, correlation_id)

        def write_session(fresh: Payment) -> list[dict]:
            # A concurrent call may have stored a token meanwhile; the first one stays.
            return [] if fresh.custom_field("sessionToken") else session_actions(fresh, session, correlation_id)

        try:
            stored, _ = self.commercetools.modify_payment(
                payment.id, write_session, correlation_id, deadline, just_read=payment
            )
        except PaymentNotFound:
            raise InvalidInput.field("clientUniqueId", "the payment was deleted meanwhile") from None
        return stored.custom_field("sessionToken")

    def _payment(self, body: dict[str, Any], deadline: Deadline) -> Payment:
        try:
            payment = self.commercetools.get_payment(body["clientUniqueId"], deadline)
        except PaymentNotFound:
            raise InvalidInput.field("clientUniqueId", "no payment with this id in commercetools") from None
        if payment.provider_name != Nuvei.name:
            raise InvalidInput.field("clientUniqueId", "is not a Nuvei payment")
        planned = payment.amount_planned
        if body["currency"] != planned.currency:
            raise InvalidInput.field("currency", f"does not match the payment's currency {planned.currency}")
        try:
            amount = Money.parse(body["amount"], body["currency"], planned.fraction_digits)
        except AmountError as error:
            raise InvalidInput.field("amount", str(error)) from None
        if amount.cent_amount != planned.cent_amount:
            raise InvalidInput.field("amount", f"does not match the payment's planned amount {planned.decimal_text()}")
        return payment
