"""Configuration documents for the tenants figure: N tenants, each its own project in the
emulator and its own Nuvei account (all against the one Nuvei sandbox, whose test
account each repeats)."""

from __future__ import annotations

import json

from connector.configuration import provider_keys
from connector.providers.nuvei.sandbox import KIT as NUVEI_KIT
from connector.tenants import per_tenant_variables
from sandboxes.stack import CLIENT_ID, Stack


def tenant_name(number: int) -> str:
    return f"shop-{number:02d}"


def document(count: int, stack: Stack) -> str:
    """A document of `count` tenants (JSON, which is YAML too)."""
    keys = provider_keys()["nuvei"]
    variables = {**NUVEI_KIT.credentials, **NUVEI_KIT.connector_env(f"{stack.sandboxes_url}/nuvei")}
    account = {"provider": "nuvei", **{keys.key(name): value for name, value in variables.items()}}
    tenants = {
        tenant_name(number): {
            "commercetools": {
                "projectKey": f"bench-{number}",
                "clientId": CLIENT_ID,
                "clientSecret": stack.client_secret,
                "apiUrl": stack.emulator_url,
                "authUrl": stack.emulator_url,
            },
            "extension": {"username": "commercetools", "password": stack.extension_password},
            "providers": {"nuvei": f"nuvei-{number}"},
        }
        for number in range(1, count + 1)
    }
    accounts = {f"nuvei-{number}": account for number in range(1, count + 1)}
    return json.dumps({"accounts": accounts, "tenants": tenants})


def service_env(count: int, stack: Stack) -> dict[str, str]:
    """The extension's environment for `count` tenants, beside the stack's one-tenant
    variables, which a document replaces (empty is unset)."""
    return {
        **dict.fromkeys(per_tenant_variables(provider_keys().values()), ""),
        "CONNECTOR_CONFIG": document(count, stack),
    }
