"""Every HTTP call to Kustom: the API key, the idempotency key, and error answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ...errors import ProviderRefused, ProviderUnavailable
from ...http import Deadline, HttpClient, HttpResponse

PLAYGROUND_API_URL = "https://api.playground.kustom.co"

# Kustom's answers (HTTP 403) that decline the charge itself: the shopper's payment
# method or customer token cannot be used. They are an outcome, not an error.
DECLINE_CODES = frozenset({"PAYMENT_METHOD_FAILED", "TOKEN_SUSPENDED", "TOKEN_CANCELLED", "TOKEN_FORBIDDEN"})
ERROR_FIELDS = ("error_code", "error_messages", "correlation_id")
# The header naming what a capture or refund created (Location names it too).
CREATED_ID_HEADERS = {"captures": "Capture-Id", "refunds": "Refund-Id"}
# Kustom's answer while a request with the same idempotency key is still being carried
# out (Klarna's order management, which Kustom forked: inferred). The money may move.
IN_PROGRESS = 409


@dataclass(frozen=True)
class KustomConfig:
    api_key: str = field(repr=False)
    api_url: str = PLAYGROUND_API_URL


@dataclass(frozen=True)
class OrderChange:
    """A capture, refund or cancellation to post to order management: `action` is the
    path's last segment, `idempotency_key` the commercetools transaction id."""

    order_id: str
    action: str  # captures, refunds, cancel, release-remaining-authorization
    body: dict[str, Any] | None
    idempotency_key: str

    def logged(self) -> dict[str, Any]:
        """The request as the payment's log shows it (it holds no secret)."""
        logged: dict[str, Any] = {"order_id": self.order_id, "action": self.action}
        if self.body is not None:
            logged["body"] = self.body
        return {**logged, "Klarna-Idempotency-Key": self.idempotency_key}


@dataclass(frozen=True)
class OrderChanged:
    """Kustom's answer to an order change: the id of the capture or refund it created
    (None for a cancellation, which creates nothing), and the answer for the log."""

    created_id: str | None
    answer: dict[str, Any]


@dataclass(frozen=True)
class Charge:
    """Kustom's answer to a charge: the order it created, or its error body when it
    declined."""

    answer: dict[str, Any]
    declined: bool = False


class KustomClient:
    def __init__(self, config: KustomConfig, http: HttpClient | None = None):
        self.config = config
        self.http = http or HttpClient("kustom")
        self._authorization = {"Authorization": f"Basic {config.api_key}"}

    def create_order(
        self, customer_token: str, order: dict[str, Any], idempotency_key: str, deadline: Deadline
    ) -> Charge:
        """Charges the customer token; the same idempotency key makes Kustom answer a
        repeat with its first result instead of charging again."""
        response = self._send(
            "POST",
            f"/customer-token/v1/tokens/{quote(customer_token, safe='')}/order",
            deadline,
            "createOrder",
            json=order,
            headers={"Klarna-Idempotency-Key": idempotency_key},
        )
        if response.status_code == 200:
            answer = response.json_object()
            # HTTP 200 says Kustom took the order; without its id there is nothing to
            # write. A missing fraud_status only means Kustom has not decided (Pending).
            if not isinstance(answer.get("order_id"), str) or not answer["order_id"]:
                raise ProviderUnavailable("kustom", "an order answer without order_id")
            return Charge(answer)
        error = _error_body(response)
        if response.status_code == 403 and error.get("error_code") in DECLINE_CODES:
            return Charge(error, declined=True)
        if 400 <= response.status_code < 500:
            raise _refusal(response.status_code, error)
        raise ProviderUnavailable("kustom", f"HTTP {response.status_code} {error.get('error_code') or ''}".strip())

    def read_order(self, order_id: str, deadline: Deadline) -> dict[str, Any] | None:
        """The order as Kustom's order management holds it; None when Kustom knows no
        such order."""
        response = self._send("GET", f"/ordermanagement/v1/orders/{quote(order_id, safe='')}", deadline, "readOrder")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ProviderUnavailable("kustom", f"reading order {order_id}: HTTP {response.status_code}")
        return response.json_object()

    def change_order(self, change: OrderChange, deadline: Deadline) -> OrderChanged:
        """Posts a capture, refund or cancellation under its idempotency key; Kustom
        answers a repeated key with its first result instead of moving money again.

        Raises ProviderRefused (Kustom said no: nothing moved) and ProviderUnavailable
        (no answer, a 5xx, the key still in progress, or a 2xx that does not name what
        it created: the money may have moved)."""
        path = f"/ordermanagement/v1/orders/{quote(change.order_id, safe='')}/{change.action}"
        response = self._send(
            "POST",
            path,
            deadline,
            change.action,
            headers={"Klarna-Idempotency-Key": change.idempotency_key},
            **({"json": change.body} if change.body is not None else {}),
        )
        if 200 <= response.status_code < 300:
            return _order_changed(change, response)
        error = _error_body(response)
        if 400 <= response.status_code < 500 and response.status_code != IN_PROGRESS:
            raise _refusal(response.status_code, error)
        raise ProviderUnavailable(
            "kustom",
            f"{change.action} of order {change.order_id}: HTTP {response.status_code} {error.get('error_code') or ''}".strip(),
        )

    def acknowledge(self, order_id: str, deadline: Deadline) -> None:
        """Tells Kustom the order arrived, which stops its pushes."""
        response = self._send(
            "POST", f"/ordermanagement/v1/orders/{quote(order_id, safe='')}/acknowledge", deadline, "acknowledge"
        )
        if not 200 <= response.status_code < 300:
            raise ProviderUnavailable("kustom", f"acknowledging order {order_id}: HTTP {response.status_code}")

    def _send(
        self, method: str, path: str, deadline: Deadline, operation: str, headers: dict | None = None, **kwargs
    ) -> HttpResponse:
        return self.http.request(
            method,
            f"{self.config.api_url}{path}",
            deadline,
            operation,
            headers={**self._authorization, **(headers or {})},
            **kwargs,
        )


def _order_changed(change: OrderChange, response: HttpResponse) -> OrderChanged:
    header = CREATED_ID_HEADERS.get(change.action)
    answer: dict[str, Any] = {"httpStatus": response.status_code}
    if header is None:
        return OrderChanged(None, answer)
    location = response.headers.get("Location")
    created = response.headers.get(header) or (location.rstrip("/").rsplit("/", 1)[-1] if location else None)
    if not created:
        raise ProviderUnavailable(
            "kustom", f"HTTP {response.status_code} to {change.action} without {header} or Location"
        )
    answer[header] = created
    if location:
        answer["Location"] = location
    return OrderChanged(created, answer)


def _error_body(response: HttpResponse) -> dict[str, Any]:
    """Kustom's {error_code, error_messages, correlation_id}; {} for other bodies
    (a proxy's HTML page, an empty 401)."""
    body = _body(response) or {}
    return {name: body[name] for name in ERROR_FIELDS if name in body}


def _body(response: HttpResponse) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _refusal(status: int, error: dict[str, Any]) -> ProviderRefused:
    code = error.get("error_code") or f"HTTP {status}"
    return ProviderRefused(
        "kustom", code=code, message=error_text(error) or code, details={"httpStatus": status, **error}
    )


def error_text(error: Mapping[str, Any]) -> str | None:
    """Kustom's error_messages as one line."""
    messages = error.get("error_messages")
    return "; ".join(map(str, messages)) if isinstance(messages, list) and messages else None
