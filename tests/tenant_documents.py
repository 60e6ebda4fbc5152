"""Deployments of several tenants for the unit tests: a configuration document whose
tenants each have a commercetools project of their own (on the stubbed commercetools of
tests/conftest.py, `commercetools_api`) and a Nuvei account (on a local server, or one
account shared), with the credentials that go with them."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping

from connector.configuration import Configuration, read_configuration
from tests.provider_stub import ProviderStub

# Tenant → the Nuvei account that serves it: each tenant its own.
TWO_TENANTS: Mapping[str, str | None] = {"shop-a": "nuvei-a", "shop-b": "nuvei-b"}
# A tenant named `default` (served at the bare URLs too) and another.
WITH_DEFAULT_TENANT: Mapping[str, str | None] = {"default": "nuvei-a", "shop-b": "nuvei-b"}
# The deployment-wide variables that stay beside a document.
DEPLOYMENT_ENV = {
    "EXTENSION_PUBLIC_URL": "https://connector.example.test",
    "NOTIFICATION_PUBLIC_URL": "https://notifications.example.test",
}
OPERATIONS = {"username": "operations", "password": "operations-password"}


def basic_auth(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


OPERATIONS_AUTH = basic_auth(OPERATIONS["username"], OPERATIONS["password"])


def extension_password(tenant: str) -> str:
    return f"{tenant}-extension-password"


def tenant_auth(tenant: str) -> dict[str, str]:
    """The Basic credentials of the tenant's extension URLs, as commercetools sends them."""
    return basic_auth(tenant, extension_password(tenant))


def project_api(tenant: str) -> str:
    """The tenant's project (its key is the tenant's name) on the stubbed commercetools."""
    return f"https://api.example.test/{tenant}"


def nuvei_path(account: str) -> str:
    """Where the Nuvei account's API is on the local server."""
    return f"/{account}/ppp/api/v1"


def nuvei_merchant(account: str) -> str:
    return f"{account}-merchant"


def nuvei_secret(account: str) -> str:
    return f"{account}-secret-key"


def document(
    tenants: Mapping[str, str | None] = TWO_TENANTS, nuvei_url: str = "https://nuvei.example.test", **top
) -> dict:
    """A configuration document: each tenant by name with the Nuvei account that serves
    it (None: no provider), the accounts' APIs under `nuvei_url`; `top` adds top-level
    keys (operations)."""
    accounts = {account: _nuvei_account(account, nuvei_url) for account in tenants.values() if account}
    return {
        "accounts": accounts,
        "tenants": {name: _tenant(name, {"nuvei": account} if account else {}) for name, account in tenants.items()},
        **top,
    }


def configuration(described: dict, **environ: str) -> Configuration:
    """The deployment's configuration with `described` as CONNECTOR_CONFIG."""
    return read_configuration({**DEPLOYMENT_ENV, "CONNECTOR_CONFIG": json.dumps(described), **environ})


def nuvei_opens_orders(nuvei: ProviderStub, *accounts: str) -> None:
    """Each account's Nuvei opens orders, its session token named after it."""
    for account in accounts:
        answer = {"status": "SUCCESS", "sessionToken": f"{account}-token", "orderId": "41"}
        nuvei.post(f"{nuvei_path(account)}/openOrder.do", json=answer)


def _nuvei_account(account: str, nuvei_url: str) -> dict[str, str]:
    return {
        "provider": "nuvei",
        "merchantId": nuvei_merchant(account),
        "merchantSiteId": f"{account}-site",
        "secretKey": nuvei_secret(account),
        "apiUrl": f"{nuvei_url}{nuvei_path(account)}",
    }


def _tenant(name: str, providers: dict[str, str]) -> dict:
    return {
        "commercetools": {
            "projectKey": name,
            "clientId": f"{name}-client",
            "clientSecret": f"{name}-ctp-secret",
            "apiUrl": "https://api.example.test",
            "authUrl": "https://auth.example.test",
        },
        "extension": {"username": name, "password": extension_password(name)},
        "providers": providers,
    }
