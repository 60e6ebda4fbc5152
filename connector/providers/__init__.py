"""The provider registry: payment interface name → provider class.

Adding a provider: its package beside nuvei/, its import and its entry below.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..ctp import Commercetools
from ..environment import Variable
from ..errors import ProviderDisabled
from ..payment import Payment
from ..settings import VARIABLES, Settings
from ..state import CustomObjectState
from .base import Provider, ProviderContext
from .kustom import Kustom
from .nexway import Nexway
from .nuvei import Nuvei
from .optty import Optty
from .paynova import Paynova

REGISTRY: dict[str, type[Provider]] = {
    provider.name: provider
    for provider in (
        Nuvei,
        Nexway,
        Kustom,
        Paynova,
        Optty,
    )
}


def all_variables() -> tuple[Variable, ...]:
    """Every environment variable the connector reads."""
    return VARIABLES + tuple(variable for provider in REGISTRY.values() for variable in provider.variables)


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The connector's settings with every registered provider's (from the process's
    environment unless `environ` is given)."""
    return Settings.from_env(environ, REGISTRY)


class Providers:
    """The enabled providers of one process, built once."""

    def __init__(self, providers: Mapping[str, Provider]):
        self._providers = dict(providers)

    @classmethod
    def from_settings(cls, settings: Settings, commercetools: Commercetools) -> Providers:
        return cls(
            {
                name: REGISTRY[name](
                    config,
                    ProviderContext(
                        notification_url=_notification_url(settings, name),
                        state=CustomObjectState(commercetools, f"payment-connector-{name}"),
                    ),
                )
                for name, config in settings.providers.items()
            }
        )

    def for_payment(self, payment: Payment) -> Provider | None:
        """The payment's provider; None when the payment is not for one of ours."""
        name = payment.provider_name
        if name is None or not self.knows(name):
            return None
        return self.get(name)

    @staticmethod
    def knows(payment_interface: str) -> bool:
        """Whether a payment interface names one of the registered providers."""
        return payment_interface.lower() in REGISTRY

    @property
    def names(self) -> list[str]:
        """The enabled providers' names, sorted."""
        return sorted(self._providers)

    def get(self, name: str) -> Provider:
        """An enabled provider; ProviderDisabled for a known one without credentials."""
        provider = self._providers.get(name)
        if provider is None:
            raise ProviderDisabled(name, REGISTRY[name].credentials())
        return provider


def _notification_url(settings: Settings, name: str) -> str | None:
    base = settings.notification_public_url
    return f"{base}/notifications/{name}" if base else None
