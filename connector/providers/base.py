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
from typing import Any, ClassVar, TypeVar

from marshmallow import Schema

from ..environment import ConfigError, Environment, Variable
from ..errors import InvalidNotification
from ..http import Deadline
from ..modifications import Balance, Modification
from ..money import Money
from ..payment import Payment
from ..state import ProviderState


@dataclass(frozen=True)
class Call:
    """The request a provider call is made for: its deadline and correlation id."""

    deadline: Deadline
    correlation_id: str
    # The payment is being created: it did not exist before, so no earlier attempt can
    # have left anything at a provider for it (a failed Create stores no payment).
    new_payment: bool = False


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
    # The provider's notifications about this kind of change carry no id the extension
    # could record: a Pending transaction of the same type and amount is this one.
    matches_pending: bool = False


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


Facts = TypeVar("Facts")


@dataclass(frozen=True)
class Event:
    """An authentic provider notification, mapped onto commercetools terms."""

    payment_id: str
    interaction: Interaction  # what the payment's log records, masked; no check reads it
    transactions: tuple[TransactionChange, ...] = ()
    status_code: str | None = None
    status_text: str | None = None
    # What the provider parsed from the notification (or its read-back) and checks the
    # payment against in fit_event: a frozen dataclass of its own package.
    facts: object = None

    def facts_as(self, kind: type[Facts]) -> Facts:
        """The provider's facts; TypeError for an event another provider made."""
        if not isinstance(self.facts, kind):
            raise TypeError(f"the event carries {type(self.facts).__name__}, not {kind.__name__}")
        return self.facts


@dataclass(frozen=True)
class ModificationCall:
    """A capture, refund or cancellation ready to send: what the provider's client needs
    (`request`, the provider's own shape) and the same with secrets masked, for the log."""

    operation: str  # the interaction's type, e.g. "kustom.capture"
    request: Any
    logged: Any


@dataclass(frozen=True)
class ModificationResult:
    """What the provider answered to a modification."""

    state: str  # Success (done), Pending (to be confirmed), Failure (declined or refused)
    response: Any  # the provider's answer, secrets masked, for the log
    interaction_id: str | None = None  # the provider's id for the capture, refund or cancellation


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

    def callback_url(self) -> str:
        """The notification URL a session request gives the provider. The extension
        requires NOTIFICATION_PUBLIC_URL at start-up, so it is there whenever sessions open."""
        if self.notification_url is None:
            raise ConfigError("NOTIFICATION_PUBLIC_URL is required to open provider sessions")
        return self.notification_url


class Provider(ABC):
    """A payment provider. Subclasses live in their own package under providers/."""

    name: ClassVar[str]  # the payment interface, lower case
    variables: ClassVar[tuple[Variable, ...]]  # what config_from_env reads
    notification_methods: ClassVar[tuple[str, ...]] = ("POST",)
    # What the notification endpoint accepts, for the OpenAPI document.
    notification_schema: ClassVar[type[Schema] | None] = None
    notification_media_type: ClassVar[str] = "application/json"
    # Whether the merchant sets the notification URL once, in the provider's back office,
    # rather than the connector giving it with each order: then an account serves one tenant.
    notification_url_in_back_office: ClassVar[bool] = False
    # A storefront's sessionRequest for a 19.99 EUR payment that the provider's test
    # account accepts: the example of the extension's OpenAPI document.
    example_session_request: ClassVar[Mapping[str, Any]]

    # Capture, refund and cancel: transaction type → PARTIAL (any part of what is
    # available) or WHOLE (only all of it at once); a type not listed cannot be done,
    # and `cannot` says why (connector/modifications.py).
    modification_reach: ClassVar[Mapping[str, str]] = {}
    cannot: ClassVar[Mapping[str, str]] = {}
    # The provider's settings (a dataclass whose fields are its variables' names without
    # the provider's prefix, in lower case) and its HTTP client, made from them.
    config_class: ClassVar[type]
    client_class: ClassVar[type]

    def __init__(self, config: Any, context: ProviderContext, client: Any = None):
        """`client`: the account's, where several tenants share it (its connections and
        access token); else one of the provider's own."""
        self.config = config
        self.context = context
        self.client = client if client is not None else self.client_class(config)

    @classmethod
    def credentials(cls) -> tuple[str, ...]:
        """The variables that enable the provider: all of them set, or none (disabled)."""
        return tuple(variable.name for variable in cls.variables if variable.credential)

    @classmethod
    def config_from_env(cls, env: Environment) -> Any | None:
        """The provider's settings, or None when its credentials are not configured. Its
        URLs are checked even then: a bad setting stops start-up."""
        urls = {variable.name: env.url(variable.name, variable.url) for variable in cls.variables if variable.url}
        credentials = env.credentials(*cls.credentials())
        if credentials is None:
            return None
        prefix = f"{cls.name.upper()}_"
        return cls.config_class(
            **{name.removeprefix(prefix).lower(): value for name, value in (credentials | urls).items()}
        )

    @abstractmethod
    def open_session(self, payment: Payment, call: Call) -> Session:
        """Create the provider's order or session for a payment that has none.

        Raises InvalidInput (bad sessionRequest), ProviderRefused, ProviderUnavailable."""

    @abstractmethod
    def read_notification(self, notification: Notification, call: Call) -> Event:
        """Check that a notification is authentic and map it to an Event.

        Raises NotAuthentic, InvalidNotification, ProviderUnavailable."""

    def available(self, balance: Balance, type_: str) -> int:
        """What a modification of this type may move at most, in minor units."""
        return balance.available(type_)

    def prepare_modification(self, payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
        """The provider call for a modification the amount rules allowed, made before any
        modification of the Update is sent (`balance` counts the ones before it); pure.
        Only providers with a `modification_reach` are asked."""
        raise NotImplementedError(f"{self.name} declares modifications it does not prepare")

    def send_modification(self, prepared: ModificationCall, call: Call) -> ModificationResult:
        """Sends a prepared modification. Raises ProviderRefused (recorded as Failure) or
        ProviderUnavailable (Pending: the money may have moved)."""
        raise NotImplementedError(f"{self.name} declares modifications it does not send")

    # Whether reconciliation can ask the provider what became of a payment: whether the
    # provider overrides read_back (not where it has no read API, which its module
    # docstring then says).
    reads_back: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.reads_back = cls.read_back is not Provider.read_back

    def read_back(self, payment: Payment, call: Call) -> Event | None:
        """What the provider holds for a payment now, as the Event its notification
        would carry (applied the same way, so a later notification changes nothing);
        None when it holds nothing about the payment. Raises ProviderUnavailable."""
        raise NotImplementedError(f"{self.name} reads nothing back")

    def fit_event(self, event: Event, payment: Payment) -> Event:
        """The event as it applies to this payment, called with the payment as freshly
        read for each update attempt. Raises InvalidNotification when an authentic event
        does not fit the payment (for the parts of a notification its signature does not
        cover); returns it changed where the provider's notifications change money
        depending on what the payment already records (a cancellation refunds a
        completed charge but fails a pending one)."""
        return event

    def after_applied(self, event: Event, call: Call) -> None:
        """Runs once the event is stored in commercetools, or was already (e.g. to
        acknowledge it at the provider)."""
