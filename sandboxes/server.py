"""Serves every provider sandbox from one process, each under /<provider>.

Run by sandboxes/stack.py under gunicorn: one process (the sandboxes keep their records
in memory) with many threads and kept-alive connections, as a provider's API would
offer. Credentials come from the same environment variables the connector reads
(NUVEI_MERCHANT_ID, ...), as a real provider account would hold the same values.

Where the environment names a configuration document (CONNECTOR_CONFIG_FILE), each
provider account it names is a sandbox of its own besides, under /<account>, with the
account's credentials: the tenants' calls each reach their own account.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from connector.configuration import described_tenants, provider_keys
from connector.tenants import per_tenant_variables

from .common import TENANT_VARIABLE
from .kits import Kit, kits


def create_app(env: Mapping[str, str]) -> DispatcherMiddleware:
    """Every registered provider's sandbox (its kit's), each under /<provider>, and each
    account of the configuration document under /<account>."""
    every_kit = kits()
    sandboxes = {name: kit.create_app(env) for name, kit in every_kit.items()}
    sandboxes.update(account_sandboxes(env, every_kit))
    root = Flask("sandboxes", static_folder=None)

    @root.get("/health")
    def health():
        return {"status": "ok", "sandboxes": sorted(sandboxes)}

    return DispatcherMiddleware(root, {f"/{name}": sandbox for name, sandbox in sandboxes.items()})


def account_sandboxes(env: Mapping[str, str], every_kit: Mapping[str, Kit]) -> dict[str, Flask]:
    """A sandbox per account that the document's tenants use, by account name."""
    keys = provider_keys()
    # The default sandboxes' credentials are in `env` too; the document must not see them.
    beside_document = set(per_tenant_variables(keys.values()))
    described = described_tenants({name: value for name, value in env.items() if name not in beside_document})
    if described is None:
        return {}
    sandboxes: dict[str, Flask] = {}
    for tenant in described.tenants.values():
        for provider, account in tenant.accounts.items():
            if account in sandboxes:
                continue
            variables = {variable.name for variable in keys[provider].variables}
            account_env = {name: value for name, value in tenant.environ.items() if name in variables}
            sandboxes[account] = every_kit[provider].create_app({**env, **account_env, TENANT_VARIABLE: tenant.name})
    return sandboxes


def from_environment() -> DispatcherMiddleware:
    """The gunicorn entry point: sandboxes.server:from_environment()"""
    return create_app(os.environ)
