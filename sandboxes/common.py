"""What every provider sandbox shares: added latency and delivering notifications."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar
from urllib.parse import urlsplit

import requests
from flask import Blueprint, current_app, request

Answer = TypeVar("Answer")

# Tells an account's sandbox which tenant of a configuration document uses it (the
# sandbox server sets it): Nexway's back office sends that tenant's notification URL.
TENANT_VARIABLE = "SANDBOX_TENANT"


class Latency:
    """Seconds a sandbox waits before answering provider API calls; set by tests.

    Besides, a number of late answers: the next calls that create something (an order,
    a charge, a session; of one operation, or of any) store it and only then wait, so
    that the caller times out while the provider holds what it created, as after an
    answer lost in transit."""

    def __init__(self):
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._late_seconds = 0.0
        self._late_answers = 0
        self._late_operation: str | None = None

    def wait(self) -> None:
        if self.seconds:
            time.sleep(self.seconds)

    def answer_late(self, seconds: float, count: int, operation: str | None = None) -> None:
        with self._lock:
            self._late_seconds, self._late_answers, self._late_operation = seconds, count, operation

    def wait_after_creating(self, operation: str) -> None:
        """Called by `operation` once what it created is stored, outside any lock the
        sandbox holds."""
        with self._lock:
            if self._late_answers <= 0 or self._late_operation not in (None, operation):
                return
            self._late_answers -= 1
            seconds = self._late_seconds
        time.sleep(seconds)

    def reset(self) -> None:
        self.seconds = 0.0
        self.answer_late(0.0, 0)


def control_blueprint(latency: Latency, reset, issued: Callable[[], list[str]]) -> Blueprint:
    """/_sandbox/latency, /_sandbox/late-answers, /_sandbox/reset and /_sandbox/issued,
    common to all sandboxes. `issued` lists the tokens and session ids the sandbox handed
    out and still holds: what the connector must never log (the end-to-end log scan
    looks for them)."""
    blueprint = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")

    @blueprint.post("/latency")
    def set_latency():
        latency.seconds = float((request.get_json(force=True) or {}).get("ms", 0)) / 1000
        return {"ms": latency.seconds * 1000}

    @blueprint.post("/late-answers")
    def set_late_answers():
        """{"ms": 1500, "count"?: 1, "operation"?: name}: the next `count` creations (of
        that operation, as the sandbox's docstring names them) answer `ms` late."""
        options = request.get_json(force=True) or {}
        ms, count, operation = float(options.get("ms", 0)), int(options.get("count", 1)), options.get("operation")
        latency.answer_late(ms / 1000, count, operation)
        return {"ms": ms, "count": count, "operation": operation}

    @blueprint.post("/reset")
    def reset_sandbox():
        latency.reset()
        reset()
        return {"reset": True}

    @blueprint.get("/issued")
    def issued_secrets():
        return {"issued": issued()}

    @blueprint.post("/redeliver")
    def redeliver():
        """Sends the provider's last notification again, as the provider's retry would:
        the last one to its bare URL, or with {"tenant": name} to that tenant's. With
        {"to": url}, sends it there instead, exactly as signed (as a notification sent to
        the wrong tenant's URL would arrive)."""
        options = request.get_json(silent=True) or {}
        provider = current_app.name.removesuffix("-sandbox")
        key = f"{provider}/{options['tenant']}" if options.get("tenant") else provider
        with _deliveries_lock:
            last = _last_deliveries.get(key)
        if last is None:
            return {"message": f"no notification sent to /notifications/{key} yet"}, 404
        method, url, arguments = last
        query = urlsplit(url).query  # where a provider names the order in the URL (Kustom's push)
        elsewhere = options.get("to") and (options["to"] + (f"?{query}" if query else ""))
        return {"notification": deliver(method, elsewhere or url, **arguments)}

    return blueprint


def answer_late(sandbox_url: str, ms: int, count: int = 1, operation: str | None = None) -> None:
    """Makes the sandbox at `sandbox_url` answer its next `count` creations (of
    `operation`, or any) `ms` late, once it stored them."""
    options = {"ms": ms, "count": count, "operation": operation}
    requests.post(f"{sandbox_url}/_sandbox/late-answers", json=options, timeout=5).raise_for_status()


class Store:
    """Thread-safe in-memory records of what the sandbox created."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items: dict[str, dict] = {}
        self._numbers = itertools.count(1)

    def put(self, key: str, item: dict) -> None:
        with self._lock:
            self._items[key] = item

    def append(self, item: dict) -> None:
        """Keeps `item` under the next number, as a log of calls does."""
        with self._lock:
            self._items[str(next(self._numbers))] = item

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


class Replies(Generic[Answer]):
    """The first answer to each idempotency key: a provider gives it again to a call
    that repeats the key, and does nothing again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._answers: dict[str, Answer] = {}

    def answer(
        self, key: str | None, compute: Callable[[], Answer], remember: Callable[[Answer], bool]
    ) -> tuple[Answer, bool]:
        """The answer kept for `key` and True; else compute()'s and False, kept for `key`
        when `remember(answer)` says a repeat gets it too. One call at a time, so that a
        key computes one answer however many calls race; without a key, compute()'s."""
        with self._lock:
            if key and key in self._answers:
                return self._answers[key], True
            answer = compute()
            if key and remember(answer):
                self._answers[key] = answer
            return answer, False

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


# The last notification sent to each notification URL, by what follows /notifications/
# in it (<provider> or <provider>/<tenant>), for /_sandbox/redeliver.
_last_deliveries: dict[str, tuple[str, str, dict]] = {}
_deliveries_lock = threading.Lock()


def deliver(method: str, url: str, **kwargs) -> dict:
    """Sends a notification the way the provider would and reports the answer."""
    with _deliveries_lock:
        _last_deliveries[urlsplit(url).path.rstrip("/").split("/notifications/", 1)[-1]] = (method, url, kwargs)
    try:
        response = requests.request(method, url, timeout=30, **kwargs)
    except requests.RequestException as error:
        return {"status": None, "error": type(error).__name__}
    return {"status": response.status_code, "body": response.text[:2000]}


class ScriptedErrors:
    """Error answers a test asked the next calls of an operation to give: in place of
    what the sandbox would do (so they change nothing), or where the caller says (an
    answer lost after the call took effect)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._answers: dict[str, list[tuple]] = {}

    def add(self, operation: str, answer: tuple, count: int) -> None:
        with self._lock:
            self._answers[operation] = [answer] * count

    def script(
        self, options: dict, operations: Iterable[str], answer: Callable[[int, str, dict], tuple]
    ) -> tuple[dict, int]:
        """A test's control request {"operation", "status" (an HTTP error), "message",
        "count"}: `answer(status, message, options)` is the provider's own error answer."""
        operation, status = options.get("operation"), options.get("status")
        if operation not in operations or not isinstance(status, int) or not 400 <= status < 600:
            return {"message": f"operation must be one of {list(operations)}, status an HTTP error code"}, 400
        count = int(options.get("count", 1))
        self.add(operation, answer(status, options.get("message") or f"{operation} failed (sandbox)", options), count)
        return {"operation": operation, "status": status, "count": count}, 200

    def take(self, operation: str) -> tuple | None:
        with self._lock:
            waiting = self._answers.get(operation)
            return waiting.pop() if waiting else None

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


def scripted_errors_blueprint(
    errors: ScriptedErrors, operations: Iterable[str], answer: Callable[[int, str, dict], tuple]
) -> Blueprint:
    """POST /_sandbox/order-errors: the next calls of an order change answer an error
    (ScriptedErrors.script), in the provider's words (`answer`)."""
    blueprint = Blueprint("sandbox_order_errors", __name__, url_prefix="/_sandbox")

    @blueprint.post("/order-errors")
    def inject_errors():
        return errors.script(request.get_json(force=True, silent=True) or {}, operations, answer)

    return blueprint
