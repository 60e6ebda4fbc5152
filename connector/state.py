"""Small records a provider keeps between calls (for example an order created at the
provider whose session could not be opened yet). They live in commercetools custom
objects, so every replica of a service sees them; never in process memory."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

from .ctp import Commercetools
from .errors import CommercetoolsUnavailable, ConcurrentModification
from .http import Deadline


class ProviderState(Protocol):
    def get(self, key: str, deadline: Deadline) -> dict[str, Any] | None: ...

    def create(self, key: str, value: dict[str, Any], deadline: Deadline) -> dict[str, Any]: ...


class CustomObjectState:
    """ProviderState in the custom objects of one container (one per provider)."""

    def __init__(self, commercetools: Commercetools, container: str):
        self.commercetools = commercetools
        self.container = container

    def get(self, key: str, deadline: Deadline) -> dict[str, Any] | None:
        found = self.commercetools.read(
            f"custom-objects/{quote(self.container, safe='')}/{quote(key, safe='')}", deadline
        )
        return found["value"] if found else None

    def create(self, key: str, value: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        """Stores `value` unless a record exists already (another replica was first);
        returns the record that is stored."""
        draft = {"container": self.container, "key": key, "value": value, "version": 0}
        try:
            self.commercetools.write("custom-objects", draft, deadline)
        except ConcurrentModification:
            stored = self.get(key, deadline)
            if stored is None:  # removed between the two calls
                raise CommercetoolsUnavailable(f"the record {self.container}/{key} changed meanwhile") from None
            return stored
        return value
