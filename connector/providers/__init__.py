"""The provider registry: payment interface name → provider class.

Adding a provider: its package beside nuvei/, its import and its entry below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

    def __init__(self, providers: Mapping[str, Provider], tenant: str | None = None):
        self._providers = dict(providers)
        self._tenant = tenant  # where a document names the tenants: this one's name

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        commercetools: Commercetools,
        tenant: str | None = None,
        accounts: Mapping[str, str] | None = None,
        clients: dict[tuple[str, str], Any] | None = None,
    ) -> Providers:
        """A tenant's providers (`tenant`, where the deployment names its tenants, ends
        their callback URLs). Providers of one account share one client, its connections
        and access token: `clients` holds them by (provider, account) across tenants."""
        clients = {} if clients is None else clients
        built = {}
        for name, config in settings.providers.items():
            account = (name, (accounts or {}).get(name, name))
            context = ProviderContext(
                notification_url=_notification_url(settings, name, tenant),
                state=CustomObjectState(commercetools, f"payment-connector-{name}"),
            )
            built[name] = REGISTRY[name](config, context, clients.get(account))
            clients.setdefault(account, built[name].client)
        return cls(built, tenant)

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
            raise ProviderDisabled(name, self._enabling(name))
        return provider

    def _enabling(self, name: str) -> tuple[str, ...]:
        """What enables a disabled provider: the provider's variables, or where a document
        names the tenants (and those variables must not be set), the tenant's entry."""
        return (f"tenants.{self._tenant}.providers.{name}",) if self._tenant else REGISTRY[name].credentials()


def _notification_url(settings: Settings, name: str, tenant: str | None) -> str | None:
    base = settings.notification_public_url
    if base is None:
        return None
    return f"{base}/notifications/{name}/{tenant}" if tenant else f"{base}/notifications/{name}"
