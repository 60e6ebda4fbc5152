"""Serves every provider sandbox from one process, each under /<provider>.

Run by sandboxes/stack.py under gunicorn: one process (the sandboxes keep their records
in memory) with many threads and kept-alive connections, as a provider's API would
offer. Credentials come from the same environment variables the connector reads
(NUVEI_MERCHANT_ID, ...), as a real provider account would hold the same values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from .kits import kits


def create_app(env: Mapping[str, str]) -> DispatcherMiddleware:
    """Every registered provider's sandbox (its kit's), each under /<provider>."""
    sandboxes = {name: kit.create_app(env) for name, kit in kits().items()}
    root = Flask("sandboxes", static_folder=None)

    @root.get("/health")
    def health():
        return {"status": "ok", "sandboxes": sorted(sandboxes)}

    return DispatcherMiddleware(root, {f"/{name}": sandbox for name, sandbox in sandboxes.items()})


def from_environment() -> DispatcherMiddleware:
    """The gunicorn entry point: sandboxes.server:from_environment()"""
    return create_app(os.environ)
