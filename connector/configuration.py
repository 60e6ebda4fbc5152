"""The deployment's configuration: its tenants, each a commercetools project with its own
settings and provider accounts, read once at start-up.

Without a configuration document the environment variables describe one tenant,
`default`, exactly as they always did. With one (CONNECTOR_CONFIG_FILE or
CONNECTOR_CONFIG, connector/tenants.py), each of its tenants stands for the variables
it would have, and is read by the same settings code, with the same defaults and rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from .ctp import Commercetools
from .environment import ConfigError, Environment
from .providers import REGISTRY, Providers, read_settings
from .settings import Settings
from .tenants import DEFAULT_TENANT, Document, ProviderKeys, read_document, tenants_from_document


@dataclass(frozen=True)
class Tenant:
    name: str
    settings: Settings
    # provider → the account that serves it: tenants that share an account share its
    # client (its connections and its access token).
    accounts: Mapping[str, str]


class UnknownTenant(ConfigError):
    """A command named a tenant the deployment does not have."""


@dataclass(frozen=True)
class Configuration:
    tenants: Mapping[str, Tenant]
    # The Basic credentials that guard /metrics and /openapi.json; None leaves them open.
    operations: tuple[str, str] | None
    # Whether a document named the tenants: then every callback URL carries its tenant.
    from_document: bool

    def path_of(self, tenant: Tenant) -> str | None:
        """What ends the tenant's URLs (the extension's, the callbacks'): its name where a
        document names the tenants; nothing for the one tenant without a document."""
        return tenant.name if self.from_document else None

    @property
    def deployment(self) -> Settings:
        """The settings every tenant shares (public URLs, timeout, log level): any tenant's."""
        return next(iter(self.tenants.values())).settings

    def chosen(self, name: str | None) -> list[Tenant]:
        """The tenant named (a command's --tenant), or every tenant for None; a name that
        is no tenant, the empty one too, raises UnknownTenant."""
        if name is None:
            return list(self.tenants.values())
        if name not in self.tenants:
            raise UnknownTenant(f"no tenant {name!r}; the tenants are {', '.join(sorted(self.tenants))}")
        return [self.tenants[name]]

    def require(self, *variables: str) -> Configuration:
        """Fails with a ConfigError naming a setting a service needs that a tenant lacks."""
        for tenant in self.tenants.values():
            tenant.settings.require(*variables)
        return self


@dataclass(frozen=True)
class BuiltTenant:
    """A tenant with what both services make of it at start-up."""

    tenant: Tenant
    commercetools: Commercetools
    providers: Providers


def built_tenants(
    configuration: Configuration,
    providers: Providers | None = None,
    commercetools: Commercetools | None = None,
    tenants: Iterable[Tenant] | None = None,
) -> Iterator[BuiltTenant]:
    """Each tenant (of `tenants`, else every one) with its commercetools client and its
    providers, made once: one client per provider account, shared by the tenants that use
    it. `providers` and `commercetools` replace what would be made (tests)."""
    clients: dict = {}
    for tenant in configuration.tenants.values() if tenants is None else tenants:
        project = commercetools or Commercetools(tenant.settings.commercetools)
        served = providers or Providers.from_settings(
            tenant.settings, project, configuration.path_of(tenant), tenant.accounts, clients
        )
        yield BuiltTenant(tenant, project, served)


def read_configuration(environ: Mapping[str, str] | None = None) -> Configuration:
    environ = os.environ if environ is None else environ
    described = described_tenants(environ)
    if described is None:
        return single_tenant(read_settings(environ))
    tenants = {
        name: Tenant(name, read_settings(tenant.environ), tenant.accounts) for name, tenant in described.tenants.items()
    }
    return Configuration(tenants, described.operations, from_document=True)


def described_tenants(environ: Mapping[str, str]) -> Document | None:
    """The tenants of the configuration document the environment names, each as the
    variables it stands for; None without a document. Raises ConfigError."""
    document = read_document(environ)
    if document is None:
        return None
    return tenants_from_document(document, environ, provider_keys(), _check_account, _check_tenant)


def provider_keys() -> dict[str, ProviderKeys]:
    return {
        name: ProviderKeys(name, provider.variables, provider.notification_url_in_back_office)
        for name, provider in REGISTRY.items()
    }


def configured(settings: Settings | None = None) -> Configuration:
    """The process's configuration; given `settings`, the single tenant they describe."""
    return read_configuration() if settings is None else single_tenant(settings)


def single_tenant(settings: Settings) -> Configuration:
    """The one tenant, `default`, that settings without a document describe."""
    # As ever without a document: the extension's credentials guard the operations
    # endpoints where they are configured.
    username, password = settings.extension_username, settings.extension_password
    operations = (username, password) if username and password else None
    tenant = Tenant(DEFAULT_TENANT, settings, {name: name for name in settings.providers})
    return Configuration({DEFAULT_TENANT: tenant}, operations, from_document=False)


def _check_account(provider: str, variables: Mapping[str, str]) -> None:
    REGISTRY[provider].config_from_env(Environment(variables))


def _check_tenant(variables: Mapping[str, str]) -> None:
    read_settings(variables).require("EXTENSION_USERNAME", "EXTENSION_PASSWORD")
