"""Serves every provider sandbox from one process, each under /<provider>.

Run by sandboxes/stack.py under gunicorn: one process (the sandboxes keep their records
in memory) with many threads and kept-alive connections, as a provider's API would
offer. Credentials come from the same environment variables the connector reads
(NUVEI_MERCHANT_ID, ...), as a real provider account would hold the same values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import ModuleType

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from . import kustom, nexway, nuvei, optty, paynova

# Each module has CREDENTIALS, connector_env(base_url) and from_env(env) → Flask app.
SANDBOXES: dict[str, ModuleType] = {
    "nuvei": nuvei,
    "nexway": nexway,
    "kustom": kustom,
    "paynova": paynova,
    "optty": optty,
}


def create_app(env: Mapping[str, str]) -> DispatcherMiddleware:
    root = Flask("sandboxes", static_folder=None)

    @root.get("/health")
    def health():
        return {"status": "ok", "sandboxes": sorted(SANDBOXES)}

    return DispatcherMiddleware(root, {f"/{name}": sandbox.from_env(env) for name, sandbox in SANDBOXES.items()})


def from_environment() -> DispatcherMiddleware:
    """The gunicorn entry point: sandboxes.server:from_environment()"""
    return create_app(os.environ)
