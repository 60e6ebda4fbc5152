"""Every HTTP call to Nexway Connect: the IAM token, the catalog secret, and Nexway's
response codes (business errors come with HTTP 200 and a non-zero responseCode)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import quote

from ...errors import ConnectorError, ProviderRefused, ProviderUnavailable
from ...http import Deadline, HttpClient, HttpResponse
from ...tokens import AccessToken

log = logging.getLogger(__name__)

UAT_API_URL = "https://api-uat.staging.nexway.build"

# responseCode 0: the order is created; 1060/1061: created, waiting for Nexway's
# payment or fraud validation. Every other code is a refusal.
ACCEPTED_CODES = (0, 1060, 1061)
ALREADY_CREATED = 1010
# The catalog secret (`secret` header) is missing or wrong: the connector's set-up.
SECRET_REFUSED = {70: "missing", 71: "invalid"}
# Refusals that concern a field the storefront sent (the connector's payment id for 130):
# the refusal names it beside Nexway's code and message.
FIELD_ERRORS = {
    130: "id",
    320: "sessionRequest.customer.email",
    321: "sessionRequest.customer.email",
    1020: "sessionRequest.orderLines",
    1048: "sessionRequest.customer.locationInvoice.province",
}
UNKNOWN_PRODUCT = 1020


@dataclass(frozen=True)
class NexwayConfig:
    secret: str = field(repr=False)
    client_secret: str = field(repr=False)
    realm: str
    notification_username: str
    notification_password: str = field(repr=False)
    api_url: str = UAT_API_URL


class OrderAlreadyCreated(ConnectorError):
    """Nexway holds an order for this partnerOrderNumber already (code 1010)."""

    def __init__(self, answer: Mapping[str, Any]):
        self.answer = answer
        self.order_number = answer["orderNumber"]
        super().__init__(f"Nexway order {self.order_number} exists already")


class NexwayClient:
    """One per process: its token is shared by every request the process serves."""

    def __init__(self, config: NexwayConfig, http: HttpClient | None = None, token: AccessToken | None = None):
        self.config = config
        self.http = http or HttpClient("nexway")
        self.token = token or AccessToken("nexway", self._fetch_token)

    def create_order(self, order: Mapping[str, Any], deadline: Deadline) -> dict[str, Any]:
        """POST /connect/order/new; Nexway's answer when it took the order.

        Raises OrderAlreadyCreated (1010), ProviderRefused (Nexway's business refusals,
        e.g. 1020 unknown productRef), ProviderUnavailable."""
        response = self._connect("POST", "/connect/order/new", deadline, json=order)
        return self._accepted(self._answer(response), order)

    def get_order(self, order_number: str | int, deadline: Deadline) -> dict[str, Any]:
        """GET /connect/order/{orderNumber}: the order as Nexway holds it."""
        response = self._connect("GET", f"/connect/order/{quote(str(order_number), safe='')}", deadline)
        return self._accepted(self._answer(response), {})

    def cancel_order(self, cancellation: Mapping[str, Any], deadline: Deadline) -> dict[str, Any]:
        """PUT /connect/order/cancel {partnerOrderNumber, reasonCode, comment}: Nexway's
        answer, whatever its responseCode (0: the order is cancelled); ProviderRefused
        for a token Nexway refuses, ProviderUnavailable without an answer."""
        return self._answer(self._connect("PUT", "/connect/order/cancel", deadline, json=cancellation))

    def _connect(self, method: str, path: str, deadline: Deadline, **kwargs) -> HttpResponse:
        url = f"{self.config.api_url}{path}"

        def send(token: str) -> HttpResponse:
            headers = {"secret": self.config.secret, "Authorization": f"Bearer {token}"}
            return self.http.request(method, url, deadline, headers=headers, **kwargs)

        return self.token.send(deadline, send)

    def _fetch_token(self, deadline: Deadline) -> tuple[str, float]:
        response = self.http.request(
            "POST",
            f"{self.config.api_url}/iam/tokens",
            deadline,
            json={
                "clientSecret": self.config.client_secret,
                "realmName": self.config.realm,
                "grantType": "client_credentials",
            },
        )
        if response.status_code in (400, 401, 403):
            log.error(
                "Nexway refused the IAM credentials (HTTP %s): check NEXWAY_CLIENT_SECRET and NEXWAY_REALM",
                response.status_code,
            )
            raise ProviderRefused(
                "nexway",
                code=f"HTTP {response.status_code}",
                message="Nexway refused the connector's IAM credentials (a configuration problem)",
            )
        if response.status_code != 200:
            raise ProviderUnavailable("nexway", f"token endpoint answered HTTP {response.status_code}")
        answer = response.json_object()
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not token or not _is_number(expires_in) or expires_in <= 0:
            raise ProviderUnavailable("nexway", "the token answer lacks access_token or expires_in")
        return token, float(expires_in)

    @staticmethod
    def _answer(response: HttpResponse) -> dict[str, Any]:
        if response.status_code == 401:
            # AccessToken already fetched a fresh token and tried again.
            log.error("Nexway refused a fresh access token: check the IAM client's rights (NEXWAY_REALM)")
            raise ProviderRefused(
                "nexway",
                code="HTTP 401",
                message="Nexway refused the connector's access token (a configuration problem)",
            )
        if response.status_code >= 500:
            raise ProviderUnavailable("nexway", f"HTTP {response.status_code}")
        answer = response.json_object()
        if not _is_int(answer.get("responseCode")):
            raise ProviderUnavailable("nexway", f"HTTP {response.status_code} without a responseCode")
        return answer

    @staticmethod
    def _accepted(answer: dict[str, Any], order: Mapping[str, Any]) -> dict[str, Any]:
        code = answer["responseCode"]
        named = answer.get("orderNumber") not in (None, "")
        if code in ACCEPTED_CODES and named:
            return answer
        if code in ACCEPTED_CODES:
            raise ProviderUnavailable("nexway", f"responseCode {code} without an orderNumber")
        if code == ALREADY_CREATED and named:
            raise OrderAlreadyCreated(answer)
        if code in SECRET_REFUSED:
            log.error(
                "Nexway says the catalog secret is %s (responseCode %s): check NEXWAY_SECRET",
                SECRET_REFUSED[code],
                code,
            )
            raise refusal(answer, f"the connector's catalog secret is {SECRET_REFUSED[code]} (a configuration problem)")
        raise refusal(answer, **_refused_fields(code, answer, order))


def refusal(answer: Mapping[str, Any], note: str | None = None, **details: Any) -> ProviderRefused:
    """Nexway's answer with a refusing responseCode as the connector's refusal: its code
    and message (with `note` after it), and `details` beside the responseCode (those
    that are None left out)."""
    code = answer["responseCode"]
    message = str(answer.get("responseMessage") or f"responseCode {code}")
    known = {name: value for name, value in details.items() if value is not None}
    return ProviderRefused(
        "nexway",
        code=str(code),
        message=f"{message}: {note}" if note else message,
        details={"responseCode": code, **known},
    )


def _refused_fields(code: int, answer: Mapping[str, Any], order: Mapping[str, Any]) -> dict[str, Any]:
    """The field a refusal concerns, if any; for an unknown product, the first order
    line that has one, and every productRef Nexway did not know."""
    field_name = FIELD_ERRORS.get(code)
    if field_name is None:
        return {}
    if code != UNKNOWN_PRODUCT:
        return {"field": field_name}
    lines = [line for line in answer.get("orderLines") or [] if isinstance(line, dict)]
    refused = [str(line.get("productRef")) for line in lines if line.get("responseCode") == code]
    indexes = [
        index for index, line in enumerate(order.get("orderLines") or []) if str(line.get("productRef")) in refused
    ]
    if not indexes:
        return {"field": field_name, "productRefs": refused}
    return {"field": f"{field_name}[{indexes[0]}].productRef", "productRefs": refused}


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
