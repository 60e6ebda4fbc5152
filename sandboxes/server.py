"""Serves every provider sandbox from one process, each under /<provider>.

python -m sandboxes.server --port 8990; credentials come from the same environment
variables the connector reads (NUVEI_MERCHANT_ID, ...), as a real provider account
would hold the same values.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from types import ModuleType

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from . import kustom, nuvei

# Each module has CREDENTIALS, connector_env(base_url) and from_env(env) → Flask app.
SANDBOXES: dict[str, ModuleType] = {
    "nuvei": nuvei,
    "kustom": kustom,
}


def create_app(env: Mapping[str, str]) -> DispatcherMiddleware:
    root = Flask("sandboxes", static_folder=None)

    @root.get("/health")
    def health():
        return {"status": "ok", "sandboxes": sorted(SANDBOXES)}

    return DispatcherMiddleware(root, {f"/{name}": sandbox.from_env(env) for name, sandbox in SANDBOXES.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8990)
    args = parser.parse_args()
    server = make_server("127.0.0.1", args.port, create_app(os.environ), threaded=True)
    print(f"provider sandboxes listening on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
