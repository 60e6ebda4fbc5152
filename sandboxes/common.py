"""What every provider sandbox shares: added latency and delivering notifications."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests
from flask import Blueprint, request


class Latency:
    """Seconds a sandbox waits before answering provider API calls; set by tests."""

    def __init__(self):
        self.seconds = 0.0

    def wait(self) -> None:
        if self.seconds:
            time.sleep(self.seconds)


def control_blueprint(latency: Latency, reset, issued: Callable[[], list[str]]) -> Blueprint:
    """/_sandbox/latency, /_sandbox/reset and /_sandbox/issued, common to all sandboxes.
    `issued` lists the tokens and session ids the sandbox handed out and still holds:
    what the connector must never log (the end-to-end log scan looks for them)."""
    blueprint = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")

    @blueprint.post("/latency")
    def set_latency():
        latency.seconds = float((request.get_json(force=True) or {}).get("ms", 0)) / 1000
        return {"ms": latency.seconds * 1000}

    @blueprint.post("/reset")
    def reset_sandbox():
        latency.seconds = 0.0
        reset()
        return {"reset": True}

    @blueprint.get("/issued")
    def issued_secrets():
        return {"issued": issued()}

    return blueprint


class Store:
    """Thread-safe in-memory records of what the sandbox created."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items: dict[str, dict] = {}

    def put(self, key: str, item: dict) -> None:
        with self._lock:
            self._items[key] = item

    def get(self, key: str) -> dict | None:
        with self._lock:
            return self._items.get(key)

    def find(self, **criteria) -> list[dict]:
        with self._lock:
            return [item for item in self._items.values() if all(item.get(k) == v for k, v in criteria.items())]

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def deliver(method: str, url: str, **kwargs) -> dict:
    """Sends a notification the way the provider would and reports the answer."""
    try:
        response = requests.request(method, url, timeout=30, **kwargs)
    except requests.RequestException as error:
        return {"status": None, "error": type(error).__name__}
    return {"status": response.status_code, "body": response.text[:2000]}
