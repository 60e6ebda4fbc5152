"""The connector's configuration, read and checked once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from .environment import LOOPBACK_HOSTS, ConfigError, Environment, Variable

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

VARIABLES = (
    Variable("CTP_PROJECT_KEY", "commercetools project key"),
    Variable("CTP_CLIENT_ID", "commercetools API client id"),
    Variable("CTP_CLIENT_SECRET", "commercetools API client secret", secret=True),
    Variable("CTP_API_URL", "e.g. https://api.europe-west1.gcp.commercetools.com"),
    Variable("CTP_AUTH_URL", "e.g. https://auth.europe-west1.gcp.commercetools.com"),
    Variable("CTP_SCOPES", "optional; default `manage_project:<key>` (commas or spaces)"),
    Variable(
        "EXTENSION_USERNAME",
        "Basic auth user commercetools sends to the extension; also guards `/metrics` and `/openapi.json` (extension, deploy)",
    ),
    Variable("EXTENSION_PASSWORD", "its password (extension, deploy)", secret=True),
    Variable("EXTENSION_PUBLIC_URL", "where commercetools reaches the extension service (deploy)"),
    Variable(
        "NOTIFICATION_PUBLIC_URL",
        "where providers reach the notification service; callback URLs are built from it (extension)",
    ),
    Variable("PROVIDER_TIMEOUT_MS", "default 5000 (100–9000): one deadline for all provider calls of one answer"),
    Variable("LOG_LEVEL", "default INFO"),
)


class ProviderConfigReader(Protocol):
    """What the settings need of a provider: its settings from the environment (the
    registry in connector/providers passes every provider in)."""

    def config_from_env(self, env: Environment) -> Any | None: ...


@dataclass(frozen=True)
class CommercetoolsSettings:
    project_key: str
    client_id: str
    client_secret: str = field(repr=False)
    api_url: str
    auth_url: str
    scopes: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Environment) -> CommercetoolsSettings:
        project_key = env.require("CTP_PROJECT_KEY")
        scopes = env.get("CTP_SCOPES", f"manage_project:{project_key}")
        return cls(
            project_key=project_key,
            client_id=env.require("CTP_CLIENT_ID"),
            client_secret=env.require("CTP_CLIENT_SECRET"),
            api_url=env.required_url("CTP_API_URL"),
            auth_url=env.required_url("CTP_AUTH_URL"),
            scopes=tuple(scopes.replace(",", " ").split()),
        )

    @property
    def is_local(self) -> bool:
        """Both endpoints on this machine: the emulator, reached over plain http."""
        return all(urlsplit(url).hostname in LOOPBACK_HOSTS for url in (self.api_url, self.auth_url))


@dataclass(frozen=True)
class Settings:
    commercetools: CommercetoolsSettings
    providers: Mapping[str, Any]  # provider name → its settings, enabled providers only
    extension_username: str | None = None
    extension_password: str | None = field(default=None, repr=False)
    extension_public_url: str | None = None
    notification_public_url: str | None = None
    provider_timeout_ms: int = 5000
    log_level: str = "INFO"

    # The environment variable behind each setting a service may require.
    _VARIABLES: ClassVar[dict[str, str]] = {
        "EXTENSION_USERNAME": "extension_username",
        "EXTENSION_PASSWORD": "extension_password",
        "EXTENSION_PUBLIC_URL": "extension_public_url",
        "NOTIFICATION_PUBLIC_URL": "notification_public_url",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None, providers: Mapping[str, ProviderConfigReader]) -> Settings:
        """The settings in `environ` (default: the process's), each of `providers`
        reading its own; a provider without credentials is left out (disabled)."""
        env = Environment(os.environ if environ is None else environ)
        log_level = env.get("LOG_LEVEL", "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
        return cls(
            commercetools=CommercetoolsSettings.from_env(env),
            providers=_configured(providers, env),
            extension_username=env.get("EXTENSION_USERNAME"),
            extension_password=env.get("EXTENSION_PASSWORD"),
            extension_public_url=env.url("EXTENSION_PUBLIC_URL"),
            notification_public_url=env.url("NOTIFICATION_PUBLIC_URL"),
            provider_timeout_ms=env.integer("PROVIDER_TIMEOUT_MS", 5000, minimum=100, maximum=9000),
            log_level=log_level,
        )

    def require(self, *variables: str) -> Settings:
        """Fails with a ConfigError naming the first of `variables` that is not set."""
        for variable in variables:
            if getattr(self, self._VARIABLES[variable]) is None:
                raise ConfigError(f"{variable} is required")
        return self

    def extension_credentials(self) -> tuple[str, str]:
        """EXTENSION_USERNAME and EXTENSION_PASSWORD; a ConfigError names a missing one."""
        self.require("EXTENSION_USERNAME", "EXTENSION_PASSWORD")
        assert self.extension_username is not None and self.extension_password is not None  # for the type checker
        return self.extension_username, self.extension_password

    @property
    def provider_timeout(self) -> float:
        return self.provider_timeout_ms / 1000


def _configured(providers: Mapping[str, ProviderConfigReader], env: Environment) -> dict[str, Any]:
    configs = {name: provider.config_from_env(env) for name, provider in providers.items()}
    return {name: config for name, config in configs.items() if config is not None}
