"""Reading settings from environment variables, with one clear error per bad setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import overload
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Variable:
    """An environment variable the connector reads, for the docs and the deployment
    manifests (tests check both against these declarations)."""

    name: str
    description: str
    secret: bool = False
    credential: bool = False  # enables its provider, with the provider's other credentials
    url: str | None = None  # a base URL setting: its default (the provider's test host)


class Environment:
    """Typed access to environment variables; blank values count as unset."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: str) -> str: ...
    def get(self, name: str, default: str | None = None) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or default

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise ConfigError(f"{name} is required")
        return value

    @overload
    def url(self, name: str) -> str | None: ...
    @overload
    def url(self, name: str, default: str) -> str: ...
    def url(self, name: str, default: str | None = None) -> str | None:
        """An https base URL (plain http only on this machine), without trailing slash."""
        value = self.get(name) or default
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ConfigError(f"{name} must use https (plain http only for localhost), got {value!r}")
        return value.rstrip("/")

    def required_url(self, name: str) -> str:
        return self.url(name, self.require(name))

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
        if not minimum <= number <= maximum:
            raise ConfigError(f"{name} must be between {minimum} and {maximum}, got {number}")
        return number

    def credentials(self, *names: str) -> dict[str, str] | None:
        """All of `names`, or None when none is set (the feature is off); a partial set
        is an error naming the first missing variable."""
        values = {name: self.get(name) for name in names}
        if not any(values.values()):
            return None
        missing = [name for name, value in values.items() if value is None]
        if missing:
            raise ConfigError(f"{missing[0]} is required when {_first_set(values)} is set")
        return {name: value for name, value in values.items() if value is not None}


def _first_set(values: dict[str, str | None]) -> str:
    return next(name for name, value in values.items() if value is not None)
