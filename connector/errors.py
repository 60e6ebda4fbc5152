"""The connector's exceptions. Each service turns them into its caller's error format."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class ConnectorError(Exception):
    """Base of everything the services answer deliberately."""


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class InvalidInput(ConnectorError):
    """Input the connector checked before calling anyone: one entry per bad field."""

    def __init__(self, errors: Iterable[FieldError]):
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])

    @classmethod
    def from_messages(cls, messages: Mapping | list | str, prefix: str = "") -> InvalidInput:
        """From marshmallow's nested error messages, naming each field by its path."""
        return cls(FieldError(path, text) for path, text in _flatten(messages, prefix))


def _flatten(messages, path: str):
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if isinstance(key, int):
                child = f"{path}[{key}]"
            elif key == "_schema":
                child = path or "body"
            else:
                child = f"{path}.{key}" if path else str(key)
            yield from _flatten(value, child)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        yield path or "body", " ".join(messages)
    elif isinstance(messages, list):
        for value in messages:
            yield from _flatten(value, path)
    else:
        yield path or "body", str(messages)


class ProviderDisabled(InvalidInput):
    """A provider of ours that this deployment does not configure: `reason` names the
    settings it lacks (never a value)."""

    def __init__(self, provider: str, settings: Iterable[str]):
        self.reason = f"the {provider} provider is not configured: set {', '.join(settings)}"
        super().__init__([FieldError("paymentMethodInfo.paymentInterface", self.reason)])


class ProviderRefused(ConnectorError):
    """The provider answered and said no (a business or validation error of its own)."""

    def __init__(self, provider: str, code: str | None, message: str, details: Mapping | None = None):
        self.provider = provider
        self.code = code
        self.message = message
        self.details = dict(details or {})
        super().__init__(f"{provider} refused the request: {message} ({code})")


class OperationNotPossible(ConnectorError):
    """What the provider cannot do at all, known before calling it (a Nexway capture, a
    partial cancellation where only all of it can be cancelled)."""

    def __init__(self, provider: str, field: str, message: str):
        self.provider = provider
        self.field = field
        self.message = message
        super().__init__(message)


class ProviderUnavailable(ConnectorError):
    """The provider could not be reached, timed out, or failed on its side."""

    def __init__(self, provider: str, reason: str):
        self.provider = provider
        self.reason = reason
        super().__init__(f"{provider} is unavailable: {reason}")


class NotAuthentic(ConnectorError):
    """A notification whose signature, checksum or credentials do not check out."""


class InvalidNotification(ConnectorError):
    """A notification that is authentic (or cannot be checked yet) but unusable."""


class PaymentNotFound(ConnectorError):
    def __init__(self, payment_id: str):
        self.payment_id = payment_id
        super().__init__(f"no payment {payment_id} in commercetools")


class CommercetoolsUnavailable(ConnectorError):
    """commercetools could not be reached or failed; the caller should retry later."""


class ConcurrentModification(ConnectorError):
    """commercetools answered 409: the payment changed since it was read."""
