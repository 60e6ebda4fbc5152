"""Notifications a sandbox sends by itself after answering an API call (a capture's,
refund's or cancellation's follow-up), as providers do: a moment after the answer, from
another thread, retried until answered (2xx, unless the provider wants a narrower answer).

The moment matters: the connector's extension answers commercetools only after the
provider answered it, and commercetools stores the payment after that; a notification
sent before the answer would race the very update it is about.

Controls (follow_ups_blueprint, under /_sandbox; Nuvei's sandbox answers its own
controls from the same records):
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
from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, request

DEFAULT_DELAY = 0.2


def answered_2xx(answer: dict[str, Any]) -> bool:
    return answer.get("status") is not None and 200 <= answer["status"] < 300


class FollowUps:
    """The follow-ups a sandbox sent, and how its provider sends them: the first attempt
    `delay` seconds after the answer, each retry after the next of `retry_pauses` (so one
    attempt more than there are pauses), until an answer is `delivered`."""

    def __init__(
        self,
        retry_pauses: Sequence[float],
        delay: float = DEFAULT_DELAY,
        delivered: Callable[[dict[str, Any]], bool] = answered_2xx,
    ):
        self._provider_timing = delay, tuple(retry_pauses)
        self._delivered = delivered
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.delay, self.retry_pauses = self._provider_timing
            self._drop = 0
            self._sent: list[dict[str, Any]] = []

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """The control's settings; "retryIntervalMs" makes every retry wait that long."""
        with self._lock:
            if "delayMs" in options:
                self.delay = float(options["delayMs"]) / 1000
            if "retryIntervalMs" in options:
                self.retry_pauses = (float(options["retryIntervalMs"]) / 1000,) * len(self.retry_pauses)
            self._drop = int(options.get("drop", self._drop))
            interval = self.retry_pauses[0] if self.retry_pauses else 0.0  # the pauses are alike once set here
            return {"delayMs": self.delay * 1000, "retryIntervalMs": interval * 1000, "drop": self._drop}

    def send(self, about: dict[str, Any], attempt: Callable[[], dict[str, Any]] | None) -> None:
        """Sends a follow-up described by `about`: `attempt` delivers it once and
        returns deliver()'s report ({"status", ...}); None where there is nowhere to
        send it (listed as dropped). Returns at once."""
        with self._lock:
            record = {"id": next(self._ids), "about": about, "attempts": []}
            self._sent.append(record)
            if self._drop > 0:
                self._drop -= 1
                attempt = None  # lost, as asked
            if attempt is None:
                record["state"] = "dropped"
                return
            record["state"] = "waiting"
            pauses = (self.delay, *self.retry_pauses)
        threading.Thread(target=self._deliver, args=(record, attempt, pauses), daemon=True).start()

    def _deliver(self, record: dict, attempt: Callable[[], dict], pauses: Sequence[float]) -> None:
        for pause in pauses:
            time.sleep(pause)
            answer = attempt()
            with self._lock:
                record["attempts"].append(answer)
            if self._delivered(answer):
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
