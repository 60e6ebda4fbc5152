"""What a payment provider implements, and the values it hands back.

A provider turns a commercetools payment into a provider session (`open_session`) and a
provider notification into an `Event` (`read_notification`); everything commercetools-
specific (update actions, retries, idempotency) is the services' job.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from marshmallow import Schema

from ..environment import Environment, Variable
from ..errors import InvalidNotification
from ..http import Deadline
from ..money import Money
from ..payment import Payment
from ..state import ProviderState


@dataclass(frozen=True)
class Call:
    """The request a provider call is made for: its deadline and correlation id."""

    deadline: Deadline
    correlation_id: str


@dataclass(frozen=True)
class Interaction:
    """One exchange with a provider, secrets already masked, for the payment's log."""

    type: str
    request: Any
    response: Any = None


@dataclass(frozen=True)
class TransactionChange:
    """A payment transaction as the provider reports it."""

    type: str
    state: str
    interaction_id: str
    amount: Money | None = None
    timestamp: str | None = None


@dataclass(frozen=True)
class Session:
    """What a provider answered for a new payment; the connector writes it onto it."""

    interface_id: str | None
    session_token: str | None = None
    redirect_url: str | None = None
    response: Mapping[str, Any] | None = None  # becomes sessionResponse; no secrets
    status_code: str | None = None
    status_text: str | None = None
    transactions: tuple[TransactionChange, ...] = ()
    interactions: tuple[Interaction, ...] = ()


@dataclass(frozen=True)
class Event:
    """An authentic provider notification, mapped onto commercetools terms."""

    payment_id: str
    interaction: Interaction
    transactions: tuple[TransactionChange, ...] = ()
    status_code: str | None = None
    status_text: str | None = None


@dataclass(frozen=True)
class Notification:
    """An incoming notification request, independent of the web framework."""

    method: str
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def fields(self) -> Mapping[str, str]:
        """Form fields, from the body of a POST or the query of a GET."""
        return self.form if self.method == "POST" else self.query

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise InvalidNotification("the body is not valid JSON") from None


@dataclass(frozen=True)
class ProviderContext:
    """What a provider gets from the deployment besides its own settings."""

    notification_url: str | None  # where this provider sends its notifications
    state: ProviderState  # records kept between calls, shared by every replica


class Provider(ABC):
    """A payment provider. Subclasses live in their own package under providers/."""

    name: ClassVar[str]  # the payment interface, lower case
    variables: ClassVar[tuple[Variable, ...]]  # what config_from_env reads
    notification_methods: ClassVar[tuple[str, ...]] = ("POST",)
    # What the notification endpoint accepts, for the OpenAPI document.
    notification_schema: ClassVar[type[Schema] | None] = None
    notification_media_type: ClassVar[str] = "application/json"
    # A storefront's sessionRequest for a 19.99 EUR payment that the provider's test
    # account accepts: the example of the extension's OpenAPI document.
    example_session_request: ClassVar[Mapping[str, Any]]

    def __init__(self, config: Any, context: ProviderContext):
        self.config = config
        self.context = context

    @classmethod
    def credentials(cls) -> tuple[str, ...]:
        """The variables that enable the provider: all of them set, or none (disabled)."""
        return tuple(variable.name for variable in cls.variables if variable.credential)

    @classmethod
    @abstractmethod
    def config_from_env(cls, env: Environment) -> Any | None:
        """The provider's settings, or None when its credentials are not configured."""

    @abstractmethod
    def open_session(self, payment: Payment, call: Call) -> Session:
        """Create the provider's order or session for a payment that has none.

        Raises InvalidInput (bad sessionRequest), ProviderRefused, ProviderUnavailable."""

    @abstractmethod
    def read_notification(self, notification: Notification, call: Call) -> Event:
        """Check that a notification is authentic and map it to an Event.

        Raises NotAuthentic, InvalidNotification, ProviderUnavailable."""

    def check_event(self, event: Event, payment: Payment) -> None:
        """Raises InvalidNotification when an authentic event does not fit the payment
        (for the parts of a notification its signature does not cover)."""

    def adjust_event(self, event: Event, payment: Payment) -> Event:
        """The event as it applies to this payment, for providers whose notifications
        change money depending on what the payment already records (a cancellation
        refunds a completed charge but fails a pending one). Called with the payment
        as freshly read for each update attempt."""
        return event

    def after_applied(self, event: Event, call: Call) -> None:
        """Runs once the event is stored in commercetools, or was already (e.g. to
        acknowledge it at the provider)."""
