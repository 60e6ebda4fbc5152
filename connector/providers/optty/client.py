"""Every HTTP call to Optty: the client-credentials token, orders, and Optty's
NestJS error bodies turned into the connector's exceptions.

GET /orders/{orderReference} as Optty documents it names no orderId, orderToken or
redirectUrl. The connector reads them from it where Optty sends them (inferred: the
creation answer's names), so that an order created by an attempt whose answer was
lost resumes its checkout; without them the payment still opens on the order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from ...errors import ConnectorError, ProviderRefused, ProviderUnavailable
from ...http import Deadline, HttpClient, HttpResponse
from ...tokens import AccessToken

TEST_AUTH_URL = "https://auth.qa.optty.com"
TEST_API_URL = "https://api.qa.optty.com"
SCOPE = "api-user"
# What the connector needs from a 201 answer to POST /orders.
ANSWER_FIELDS = ("orderId", "orderToken", "redirectUrl", "transactionReference")


class OrderExists(ConnectorError):
    """Optty's 409: it holds an order with this orderReference already (an earlier
    attempt for the payment created it)."""

    def __init__(self, request: Mapping[str, Any], answer: Mapping[str, Any]):
        self.request = request  # as sent
        self.answer = answer
        super().__init__(str(answer.get("message") or "the order exists already"))


class ReferenceUsed(ConnectorError):
    """Optty's 409 to a capture, void or refund: it holds one under this reference
    already (an earlier attempt made it). Optty's pages say a reference must be unique,
    not what a repeat gets; the connector then reads the order back."""

    def __init__(self, answer: Mapping[str, Any]):
        self.answer = answer
        super().__init__(str(answer.get("message") or "the reference was used before"))


@dataclass(frozen=True)
class OpttyConfig:
    client_id: str
    client_secret: str = field(repr=False)
    auth_url: str = TEST_AUTH_URL
    api_url: str = TEST_API_URL


class OpttyClient:
    """One per process: its token is shared by every request the process serves."""

    def __init__(self, config: OpttyConfig, http: HttpClient | None = None):
        self.config = config
        self.http = http or HttpClient("optty")
        self.token = AccessToken("optty", self._fetch_token)

    def create_order(self, order: Mapping[str, Any], deadline: Deadline) -> tuple[dict, dict]:
        """POST /orders; returns the request as sent and Optty's 201 answer.

        Raises OrderExists (409: the orderReference has an order), ProviderRefused,
        ProviderUnavailable."""
        body = json_body(order)
        response = self._post_json("/orders", "createOrder", body, deadline)
        if response.status_code == 409:
            raise OrderExists(json.loads(body), _body(response) or {"statusCode": 409})
        if response.status_code != 201:
            raise _refusal_or_failure(response)
        answer = response.json_object()
        missing = [name for name in ANSWER_FIELDS if not answer.get(name)]
        if missing:
            raise ProviderUnavailable("optty", f"a 201 answer without {', '.join(missing)}")
        return json.loads(body), answer

    def change_order(self, reference: str, action: str, body: Mapping[str, Any], deadline: Deadline) -> dict:
        """POST /orders/{orderReference}/capture, /void or /refund; Optty's answer.

        Raises ReferenceUsed (409), ProviderRefused (Optty said no: nothing moved) and
        ProviderUnavailable (no answer, a 5xx, or no JSON object: the money may have moved)."""
        response = self._post_json(f"/orders/{quote(reference, safe='')}/{action}", action, json_body(body), deadline)
        if response.status_code == 409:
            raise ReferenceUsed(_body(response) or {"statusCode": 409})
        if not 200 <= response.status_code < 300:
            raise _refusal_or_failure(response)
        return response.json_object()

    def get_order(self, reference: str, deadline: Deadline) -> dict | None:
        """GET /orders/{orderReference}: the order as Optty holds it; None when Optty
        has no such order."""
        response = self._api("GET", f"/orders/{quote(reference, safe='')}", "getOrder", deadline)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ProviderUnavailable("optty", f"reading order {reference} answered HTTP {response.status_code}")
        return response.json_object()

    def _post_json(self, path: str, operation: str, body: str, deadline: Deadline) -> HttpResponse:
        """A POST whose body is JSON text, as json_body writes it."""
        return self._api(
            "POST", path, operation, deadline, data=body.encode(), headers={"Content-Type": "application/json"}
        )

    def _api(
        self, method: str, path: str, operation: str, deadline: Deadline, headers: dict | None = None, **kwargs
    ) -> HttpResponse:
        """`operation` names the call in logs and metrics (a path holds a payment id)."""
        url = f"{self.config.api_url}{path}"
        response = self.token.send(
            deadline,
            lambda token: self.http.request(
                method,
                url,
                deadline,
                operation,
                headers={**(headers or {}), "Authorization": f"Bearer {token}"},
                **kwargs,
            ),
        )
        if response.status_code == 401:  # a fresh token refused too: our credentials or scope
            raise ProviderUnavailable("optty", f"{method} {path} refused a fresh access token (HTTP 401)")
        return response

    def _fetch_token(self, deadline: Deadline) -> tuple[str, float]:
        response = self.http.request(
            "POST",
            f"{self.config.auth_url}/token",
            deadline,
            "token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "scope": SCOPE,
            },
        )
        if response.status_code != 200:
            raise ProviderUnavailable("optty", f"the token endpoint answered HTTP {response.status_code}")
        answer = response.json_object()
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if (
            not isinstance(token, str)
            or not token
            or isinstance(expires_in, bool)
            or not isinstance(expires_in, int | float)
        ):
            raise ProviderUnavailable("optty", "the token answer lacks access_token or expires_in")
        return token, float(expires_in)


def json_body(value: Any) -> str:
    """JSON with Decimal amounts written as numbers with exactly their digits (20.00,
    not 20.0 or "20.00"): Optty takes amounts as JSON numbers."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(key))}:{json_body(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_body(item) for item in value) + "]"
    return json.dumps(value)


def _refusal_or_failure(response: HttpResponse) -> Exception:
    """Optty's 4xx answers are refusals with NestJS bodies: {statusCode, message: [..]
    or "..", error}; anything else means Optty failed."""
    if not 400 <= response.status_code < 500:
        return ProviderUnavailable("optty", f"HTTP {response.status_code}")
    body = _body(response)
    if body is None:
        return ProviderRefused("optty", str(response.status_code), f"HTTP {response.status_code}")
    messages = body.get("message")
    messages = [str(m) for m in messages] if isinstance(messages, list) else [str(messages or body.get("error") or "")]
    return ProviderRefused(
        "optty",
        code=str(body.get("statusCode", response.status_code)),
        message="; ".join(m for m in messages if m) or f"HTTP {response.status_code}",
        details={"error": body.get("error"), "messages": messages},
    )


def _body(response: HttpResponse) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
