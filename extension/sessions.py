"""Opening a provider session for a payment: the one path behind /extension and
/openOrder, so both leave the payment in the same state."""

from __future__ import annotations

import threading
from urllib.parse import quote

from connector.actions import SESSION_FIELD_NAMES, session_actions
from connector.ctp import Commercetools
from connector.errors import InvalidInput
from connector.http import Deadline
from connector.money import ISO_4217
from connector.payment import Payment
from connector.providers import Providers
from connector.providers.base import Call, Provider, Session


class Sessions:
    def __init__(self, providers: Providers, timeout: float, custom_types: CustomTypeFields):
        self.providers = providers
        self.timeout = timeout
        self.custom_types = custom_types

    def handles(self, payment_json: dict) -> bool:
        """Whether a payment, before it is read whole, is for one of our providers."""
        method = payment_json.get("paymentMethodInfo")
        interface = method.get("paymentInterface") if isinstance(method, dict) else None
        return isinstance(interface, str) and self.providers.knows(interface)

    def provider_for(self, payment: Payment) -> Provider | None:
        """The payment's provider, or None when the payment is not ours."""
        return self.providers.for_payment(payment)

    def open(self, provider: Provider, payment: Payment, correlation_id: str, new_payment: bool = False) -> Session:
        """The provider's session for a payment that has none (`new_payment`: it is being
        created, so no earlier attempt exists)."""
        # One deadline for every call this answer needs (custom type, token, order,
        # session...), so that it comes well inside commercetools' own timeout.
        deadline = Deadline(self.timeout)
        _check_currency(payment)
        self._check_custom_type(payment, deadline)
        return provider.open_session(payment, Call(deadline, correlation_id, new_payment))

    def extension_actions(self, payment: Payment, correlation_id: str, new_payment: bool = False) -> list[dict]:
        """The update actions answering commercetools for a payment Create or Update.

        A payment that already has a session is left alone: the provider is never
        called twice for one payment (and a since disabled provider does not matter)."""
        if payment.has_session:
            return []
        provider = self.provider_for(payment)
        if provider is None:
            return []
        session = self.open(provider, payment, correlation_id, new_payment)
        return session_actions(payment, session, correlation_id)

    def _check_custom_type(self, payment: Payment, deadline: Deadline) -> None:
        """A payment may carry its own custom type (a resource has only one) as long as
        that type has the fields the connector writes; otherwise commercetools would
        refuse our actions after the provider was already called."""
        if payment.custom_type_id is None:
            return
        missing = SESSION_FIELD_NAMES - self.custom_types.field_names(payment.custom_type_id, deadline)
        if missing:
            raise InvalidInput.field(
                "custom.type",
                f"the payment's custom type lacks the connector's fields {', '.join(sorted(missing))}; "
                "use the type connector-payment or add them",
            )


def _check_currency(payment: Payment) -> None:
    # commercetools only holds ISO currencies; a call that names another is no payment
    # any provider could take.
    currency = payment.amount_planned.currency
    if currency not in ISO_4217:
        raise InvalidInput.field("amountPlanned.currencyCode", f"{currency} is not an ISO 4217 currency")


class CustomTypeFields:
    """The field names of custom types by id, read once per process: types change
    rarely, and a type that lacks fields is read again until it has them."""

    def __init__(self, commercetools: Commercetools):
        self.commercetools = commercetools
        self._complete: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    def field_names(self, type_id: str, deadline: Deadline | None = None) -> frozenset[str]:
        with self._lock:
            known = self._complete.get(type_id)
        if known is not None:
            return known
        found = self.commercetools.read(f"types/{quote(type_id, safe='')}", deadline)
        names = frozenset(definition["name"] for definition in (found or {}).get("fieldDefinitions", []))
        if names >= SESSION_FIELD_NAMES:
            with self._lock:
                self._complete[type_id] = names
        return names
