"""What the local stack knows about each registered provider: its kit, kept in the
provider's own folder (connector/providers/<name>/sandbox/, as KIT) beside its runtime
code, and found here through the provider registry. The sandbox server, the run
command's demos, the benchmark and the fuzzing test iterate the kits; none of them names
a provider.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

from flask import Flask

from connector.providers import REGISTRY


def _notification_answer(control_answer: dict) -> dict:
    return control_answer["notification"]


@dataclass(frozen=True)
class Demo:
    """How the run command walks a payment of the provider through: what the storefront
    sends, what the sandbox then sends."""

    session_request: Callable[[str], dict | None]
    """The storefront's sessionRequest; given the provider's sandbox URL."""
    notification: str
    """What the sandbox sends, in a few words."""
    control: str
    """The sandbox's /_sandbox/ path that sends it, naming the payment's {id},
    {interfaceId} or {sessionToken}."""
    body: dict[str, str]
    delivery: Callable[[dict], dict] = _notification_answer
    """Where the control's answer holds the notification service's answer."""


class Signable(Protocol):
    """A notification the fuzzing test is about to send, as a provider signs it: its
    fields (the form, or for a GET the query; a JSON body's object), its headers, and both
    as they will go out."""

    fields: Any
    headers: dict[str, str]

    def sent_fields(self) -> dict[str, str]: ...

    def sent_body(self) -> bytes: ...


@dataclass(frozen=True)
class Fuzzing:
    """How the fuzzing test sends the provider's notifications as the provider would."""

    payment_paths: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    """Where a notification names its payment, and that payment's currency; None where
    the connector reads the payment back from the provider instead."""
    sign: Callable[[Signable, Mapping[str, str]], None] | None = None
    """Signs a notification with the provider's settings (the connector's variables)."""
    basic_credentials: Callable[[Mapping[str, str]], tuple[str, str]] | None = None
    """The Basic credentials the provider sends its notifications with, if any."""


@dataclass(frozen=True)
class Kit:
    credentials: Mapping[str, str]
    """The sandbox account, as the connector's variables (its test values)."""
    connector_env: Callable[[str], dict[str, str]]
    """Where the connector finds the sandbox served at a base URL (its *_URL variables)."""
    create_app: Callable[[Mapping[str, str]], Flask]
    """The sandbox, for the account in the environment."""
    checkout: Callable[[str], dict | None]
    """A storefront's sessionRequest the sandbox accepts at once (the benchmark's); given
    the sandbox URL."""
    demo: Demo
    fuzzing: Fuzzing = field(default_factory=Fuzzing)

    @classmethod
    def of(
        cls, sandbox: ModuleType, checkout: Callable[[str], dict | None], demo: Demo, fuzzing: Fuzzing | None = None
    ) -> Kit:
        """The kit of a provider's sandbox module (its app.py), which names its account
        CREDENTIALS and has connector_env(base_url) and from_env(env)."""
        return cls(
            credentials=sandbox.CREDENTIALS,
            connector_env=sandbox.connector_env,
            create_app=sandbox.from_env,
            checkout=checkout,
            demo=demo,
            fuzzing=fuzzing or Fuzzing(),
        )


def kits() -> dict[str, Kit]:
    """Every registered provider's kit, by provider name."""
    return {name: importlib.import_module(f"connector.providers.{name}.sandbox").KIT for name in REGISTRY}
