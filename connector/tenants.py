"""Several commercetools projects (tenants) and provider accounts in one deployment: the
configuration document (CONNECTOR_CONFIG_FILE or CONNECTOR_CONFIG, YAML), read and
checked whole at start-up.

The document says in its own words what the environment variables say for one tenant:
an account's keys are its provider's variables without the provider's prefix, in
camelCase (NUVEI_MERCHANT_SITE_ID → merchantSiteId), a tenant's `commercetools` keys are
the CTP_* variables' (CTP_API_URL → apiUrl) and its `extension` keys EXTENSION_USERNAME's
and EXTENSION_PASSWORD's. So each tenant becomes the set of variables it stands for, and
the settings code reads it with the same defaults and rules as the environment; a problem
is reported at its place in the document instead of under a variable's name.

Every problem is collected before start-up stops, one line each, and no line shows a
value that could be a secret."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import yaml

from .environment import ConfigError, Variable

FILE_VARIABLE = "CONNECTOR_CONFIG_FILE"
DOCUMENT_VARIABLE = "CONNECTOR_CONFIG"
DEFAULT_TENANT = "default"
# Settings of the whole deployment: they stay environment variables beside a document.
DEPLOYMENT_VARIABLES = ("EXTENSION_PUBLIC_URL", "NOTIFICATION_PUBLIC_URL", "PROVIDER_TIMEOUT_MS", "LOG_LEVEL")
COMMERCETOOLS_KEYS = {
    "projectKey": "CTP_PROJECT_KEY",
    "clientId": "CTP_CLIENT_ID",
    "clientSecret": "CTP_CLIENT_SECRET",
    "apiUrl": "CTP_API_URL",
    "authUrl": "CTP_AUTH_URL",
    "scopes": "CTP_SCOPES",
}
EXTENSION_KEYS = {"username": "EXTENSION_USERNAME", "password": "EXTENSION_PASSWORD"}
# A tenant's or an account's name: it is part of URLs and log labels.
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_REFERENCE = re.compile(r"^\$\{(env|file):([^}]+)\}$")


class ConfigProblems(ConfigError):
    """Everything wrong with the document, one problem a line."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ProviderKeys:
    """A provider's variables, as the document names them."""

    name: str
    variables: tuple[Variable, ...]
    # Where the provider's notification address is set once, in its back office, an
    # account of it serves one tenant.
    one_tenant_per_account: bool = False

    def key(self, variable: str) -> str:
        return camel_case(variable.removeprefix(f"{self.name.upper()}_"))

    @property
    def by_key(self) -> dict[str, str]:
        return {self.key(variable.name): variable.name for variable in self.variables}

    @property
    def required_keys(self) -> list[str]:
        return [self.key(variable.name) for variable in self.variables if variable.credential]


@dataclass(frozen=True)
class Tenant:
    """One tenant: the variables it stands for, and which account serves each provider."""

    name: str
    environ: dict[str, str]
    accounts: dict[str, str] = field(default_factory=dict)  # provider → account name
    places: dict[str, str] = field(default_factory=dict)  # variable → its place in the document


@dataclass(frozen=True)
class Document:
    tenants: dict[str, Tenant]
    operations: tuple[str, str] | None = None  # Basic credentials for /metrics and /openapi.json


def camel_case(upper_snake: str) -> str:
    first, *rest = upper_snake.lower().split("_")
    return first + "".join(word.capitalize() for word in rest)


def per_tenant_variables(providers: Iterable[ProviderKeys]) -> list[str]:
    """The variables a document replaces: set beside one, they are an error."""
    names = [*COMMERCETOOLS_KEYS.values(), *EXTENSION_KEYS.values()]
    return names + [variable.name for provider in providers for variable in provider.variables]


def read_document(environ: Mapping[str, str]) -> Any | None:
    """The document the environment names, parsed; None without one."""
    path, inline = environ.get(FILE_VARIABLE, "").strip(), environ.get(DOCUMENT_VARIABLE, "").strip()
    if path and inline:
        raise ConfigError(f"set {FILE_VARIABLE} or {DOCUMENT_VARIABLE}, not both")
    if not path and not inline:
        return None
    source = FILE_VARIABLE if path else DOCUMENT_VARIABLE
    try:
        text = _read_file(path) if path else inline
        return yaml.safe_load(text)
    except OSError as error:
        raise ConfigError(f"{FILE_VARIABLE}: {path} cannot be read ({type(error).__name__})") from None
    except yaml.YAMLError as error:
        # Only the position: the YAML parser's message may quote the document, secrets included.
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{source}: not valid YAML{where}") from None


def _read_file(path: str) -> str:
    with open(path, encoding="utf-8") as opened:
        return opened.read()


def tenants_from_document(
    document: Any,
    environ: Mapping[str, str],
    providers: Mapping[str, ProviderKeys],
    check_account: Callable[[str, Mapping[str, str]], None],
    check_tenant: Callable[[Mapping[str, str]], None],
) -> Document:
    """The tenants a parsed document describes. `check_account(provider, variables)` and
    `check_tenant(variables)` raise ConfigError for what the settings code would refuse
    (as at start-up without a document). Raises ConfigProblems naming every problem, once,
    with its place in the document."""
    reader = _Reader(environ)
    set_beside = sorted(name for name in per_tenant_variables(providers.values()) if environ.get(name, "").strip())
    for name in set_beside:
        reader.problem(name, "is set, but with a configuration document every tenant's settings are in it")
    top = reader.mapping(document, "the document", required=("accounts", "tenants"), optional=("operations",))
    accounts = _accounts(reader, top.get("accounts"), providers, check_account)
    tenants = {}
    for name, described in reader.named(top.get("tenants"), "tenants").items():
        tenant = _tenant(reader, name, described, accounts, providers)
        if tenant is not None:
            tenants[name] = tenant
    _check_across(reader, tenants, accounts, providers)
    operations = _operations(reader, top.get("operations"))
    deployment = {name: environ[name] for name in DEPLOYMENT_VARIABLES if name in environ}
    tenants = {name: Tenant(name, {**deployment, **t.environ}, t.accounts, t.places) for name, t in tenants.items()}
    for tenant in tenants.values():
        reader.check(partial(check_tenant, tenant.environ), tenant.places)
    if reader.problems:
        raise ConfigProblems(dict.fromkeys(reader.problems))
    return Document(tenants, operations)


@dataclass(frozen=True)
class _Account:
    provider: str
    variables: dict[str, str]
    places: dict[str, str]


def _accounts(
    reader: _Reader,
    described: Any,
    providers: Mapping[str, ProviderKeys],
    check_account: Callable[[str, Mapping[str, str]], None],
) -> dict[str, _Account | None]:
    accounts: dict[str, _Account | None] = {}
    for name, account in reader.named(described, "accounts").items():
        path = f"accounts.{name}"
        accounts[name] = None
        if not isinstance(account, Mapping):
            reader.problem(path, "must be a mapping of the account's settings")
            continue
        provider = account.get("provider")
        if not isinstance(provider, str) or provider not in providers:
            reader.problem(f"{path}.provider", f"must be one of {', '.join(sorted(providers))}")
            continue
        keys = providers[provider]
        values = reader.values(account, path, keys.by_key, ignore=("provider",))
        missing = [key for key in keys.required_keys if key not in values]
        if missing:
            reader.problem(path, f"a {provider} account needs {', '.join(missing)}")
            continue
        places = {keys.by_key[key]: f"{path}.{key}" for key in keys.by_key}
        variables = {keys.by_key[key]: value for key, value in values.items()}
        if reader.check(partial(check_account, provider, variables), places):
            accounts[name] = _Account(provider, variables, places)
    return accounts


def _tenant(
    reader: _Reader,
    name: str,
    described: Any,
    accounts: Mapping[str, _Account | None],
    providers: Mapping[str, ProviderKeys],
) -> Tenant | None:
    """The tenant's variables; an account with problems of its own is left out silently
    (its problems are reported once, at the account)."""
    path = f"tenants.{name}"
    tenant = reader.mapping(described, path, required=("commercetools", "extension", "providers"))
    if not tenant:
        return None
    environ: dict[str, str] = {}
    places: dict[str, str] = {}
    for part, keys in (("commercetools", COMMERCETOOLS_KEYS), ("extension", EXTENSION_KEYS)):
        optional = ("scopes",) if part == "commercetools" else ()
        section = reader.mapping(
            tenant.get(part), f"{path}.{part}", required=tuple(k for k in keys if k not in optional), optional=optional
        )
        for key, value in reader.values(section, f"{path}.{part}", keys).items():
            environ[keys[key]] = value
        places.update({variable: f"{path}.{part}.{key}" for key, variable in keys.items()})
    chosen: dict[str, str] = {}
    for provider, account_name in (reader.mapping(tenant.get("providers"), f"{path}.providers") or {}).items():
        place = f"{path}.providers.{provider}"
        if provider not in providers:
            reader.problem(place, f"unknown provider; one of {', '.join(sorted(providers))}")
        elif not isinstance(account_name, str) or account_name not in accounts:
            reader.problem(
                place, f"no account {account_name!r}" if isinstance(account_name, str) else "must name an account"
            )
        elif (account := accounts[account_name]) is None:
            continue
        elif account.provider != provider:
            reader.problem(place, f"account {account_name!r} is a {account.provider} account")
        else:
            chosen[provider] = account_name
            environ.update(account.variables)
            places.update(account.places)
    return Tenant(name, environ, chosen, places)


def _check_across(
    reader: _Reader,
    tenants: Mapping[str, Tenant],
    accounts: Mapping[str, _Account | None],
    providers: Mapping[str, ProviderKeys],
) -> None:
    projects: dict[tuple[str, str], str] = {}
    for name, tenant in tenants.items():
        project = (tenant.environ.get("CTP_PROJECT_KEY", ""), tenant.environ.get("CTP_API_URL", "").rstrip("/"))
        if project in projects:
            reader.problem(
                f"tenants.{name}.commercetools", f"names the same project as tenant {projects[project]}: {project[0]}"
            )
        projects.setdefault(project, name)
    for account_name, account in accounts.items():
        if account is None or not providers[account.provider].one_tenant_per_account:
            continue
        users = sorted(
            name for name, tenant in tenants.items() if tenant.accounts.get(account.provider) == account_name
        )
        if len(users) > 1:
            reader.problem(
                f"accounts.{account_name}",
                f"a {account.provider} account serves one tenant (its notification URL is set once in "
                f"{account.provider}'s back office), not {', '.join(users)}",
            )


def _operations(reader: _Reader, described: Any) -> tuple[str, str] | None:
    if described is None:
        return None
    section = reader.mapping(described, "operations", required=("username", "password"))
    values = reader.values(section, "operations", {"username": "username", "password": "password"})
    if set(values) != {"username", "password"}:
        return None
    return values["username"], values["password"]


class _Reader:
    """Walks the document, collecting problems instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(
        self, value: Any, path: str, required: tuple[str, ...] = (), optional: tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        """A mapping with these keys; {} (after a problem) when it is none. Without
        `optional`, any key is allowed besides the required ones."""
        if not isinstance(value, Mapping):
            self.problem(path, "is required" if value is None else "must be a mapping")
            return {}
        for key in required:
            if key not in value:
                self.problem(f"{path}.{key}" if path != "the document" else key, "is required")
        if optional is not None:
            for key in value:
                if key not in required and key not in optional:
                    self.problem(f"{path}.{key}" if path != "the document" else str(key), "unknown key")
        return dict(value)

    def named(self, value: Any, path: str) -> dict[str, Any]:
        """A mapping whose keys are names (of tenants, of accounts)."""
        found = self.mapping(value, path)
        for name in list(found):
            if not isinstance(name, str) or not NAME.match(name):
                self.problem(f"{path}.{name}", "a name is lower case letters, digits and -, at most 63, first no -")
                del found[name]
        return found

    def values(
        self, section: Mapping[str, Any], path: str, keys: Mapping[str, str], ignore: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """The section's values for `keys`, references resolved; unknown keys are problems."""
        values = {}
        for key, value in section.items():
            if key in ignore:
                continue
            if key not in keys:
                self.problem(f"{path}.{key}", f"unknown key; one of {', '.join(sorted(keys))}")
                continue
            resolved = self.resolve(value, f"{path}.{key}")
            if resolved is not None:
                values[key] = resolved
        return values

    def resolve(self, value: Any, path: str) -> str | None:
        """A scalar as text, a whole-value ${env:NAME} or ${file:/path} replaced."""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(path, "must be text")
            return None
        text = str(value)
        reference = _REFERENCE.match(text)
        if reference is None:
            return text
        kind, target = reference.groups()
        if kind == "env":
            found = self.environ.get(target)
            if found is None or found == "":
                self.problem(path, f"{text} is not set")
            return found or None
        try:
            content = _read_file(target)
        except OSError as error:
            self.problem(path, f"{text} cannot be read ({type(error).__name__})")
            return None
        return content.removesuffix("\n")

    def check(self, settle: Callable[[], None], places: Mapping[str, str]) -> bool:
        """Runs a check that names variables; its ConfigError becomes a problem named by
        the variables' places in the document. False when it failed."""
        try:
            settle()
        except ConfigError as error:
            self.problems.append(in_document_terms(str(error), places))
            return False
        return True


def in_document_terms(message: str, places: Mapping[str, str]) -> str:
    """A settings error that names variables, naming their places in the document."""
    for variable in sorted(places, key=len, reverse=True):
        message = re.sub(rf"\b{re.escape(variable)}\b", places[variable], message)
    return message
