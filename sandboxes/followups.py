"""Notifications a sandbox sends by itself after answering an API call (a capture's,
refund's or cancellation's follow-up), as providers do: a moment after the answer, from
another thread, retried until answered 2xx.

The moment matters: the connector's extension answers commercetools only after the
provider answered it, and commercetools stores the payment after that; a notification
sent before the answer would race the very update it is about.

Controls (each sandbox that uses it mounts them under /_sandbox):
  POST /_sandbox/follow-ups {"delayMs"?, "retryIntervalMs"?, "drop"?: n} sets how long
      after the answer the first attempt goes and how long between attempts, and makes
      the next n follow-ups get lost: the provider's state changes, the merchant is not
      told (the case reconciliation settles);
  GET /_sandbox/follow-ups lists every follow-up: what it is about, "dropped",
      "waiting" or "done", and each delivery attempt's answer.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, request

DEFAULT_DELAY = 0.2


class FollowUps:
    def __init__(self, attempts: int, retry_interval: float):
        self.attempts = attempts
        self._default_interval = retry_interval
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.delay, self.retry_interval, self._drop = DEFAULT_DELAY, self._default_interval, 0
            self._sent: list[dict[str, Any]] = []

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.delay = float(options.get("delayMs", self.delay * 1000)) / 1000
            self.retry_interval = float(options.get("retryIntervalMs", self.retry_interval * 1000)) / 1000
            self._drop = int(options.get("drop", self._drop))
            return {"delayMs": self.delay * 1000, "retryIntervalMs": self.retry_interval * 1000, "drop": self._drop}

    def send(self, about: dict[str, Any], attempt: Callable[[], dict[str, Any]]) -> None:
        """Sends a follow-up described by `about`: `attempt` delivers it once and
        returns deliver()'s report ({"status", ...}). Returns at once."""
        with self._lock:
            record = {"id": next(self._ids), "about": about, "attempts": []}
            self._sent.append(record)
            if self._drop > 0:
                self._drop -= 1
                record["state"] = "dropped"
                return
            record["state"] = "waiting"
            delay, interval = self.delay, self.retry_interval
        threading.Thread(target=self._deliver, args=(record, attempt, delay, interval), daemon=True).start()

    def _deliver(self, record: dict, attempt: Callable[[], dict], delay: float, interval: float) -> None:
        time.sleep(delay)
        for number in range(self.attempts):
            if number:
                time.sleep(interval)
            answer = attempt()
            with self._lock:
                record["attempts"].append(answer)
            if answer.get("status") is not None and 200 <= answer["status"] < 300:
                break
        with self._lock:
            record["state"] = "done"

    def listed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**record, "attempts": list(record["attempts"])} for record in self._sent]


def follow_ups_blueprint(follow_ups: FollowUps) -> Blueprint:
    blueprint = Blueprint("sandbox_follow_ups", __name__, url_prefix="/_sandbox")

    @blueprint.post("/follow-ups")
    def configure():
        return follow_ups.configure(request.get_json(force=True, silent=True) or {})

    @blueprint.get("/follow-ups")
    def listed():
        return {"followUps": follow_ups.listed()}

    return blueprint
