"""Every HTTP call to Paynova: Basic auth, and its status objects turned into our errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import ProviderRefused, ProviderUnavailable
from ...http import Deadline, HttpClient, HttpResponse

TEST_API_URL = "https://testpaygate.paynova.com/api"
# Paynova's errorNumber for "could not be completed at this time; try again later".
INTERNAL_ERROR = -1


@dataclass(frozen=True)
class PaynovaConfig:
    merchant_id: str
    api_password: str = field(repr=False)
    secret_key: str = field(repr=False)
    api_url: str = TEST_API_URL


class PaynovaClient:
    def __init__(self, config: PaynovaConfig, http: HttpClient | None = None):
        self.config = config
        self.http = http or HttpClient("paynova")

    def create_order(self, order: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        """POST orders/create; Paynova's successful answer, with its orderId."""
        return self._post("orders/create", "createOrder", order, deadline, required=("orderId",))

    def initialize_payment(self, order_id: str, session: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        """POST orders/{orderId}/initializePayment; the answer with sessionId and url."""
        path = f"orders/{order_id}/initializePayment"
        return self._post(path, "initializePayment", session, deadline, required=("sessionId", "url"))

    def _post(
        self, path: str, operation: str, body: dict[str, Any], deadline: Deadline, required: tuple[str, ...]
    ) -> dict[str, Any]:
        response = self.http.request(
            "POST",
            f"{self.config.api_url}/{path}",
            deadline,
            operation,
            json=body,
            auth=(self.config.merchant_id, self.config.api_password),
        )
        answer = _answer(response)
        missing = [name for name in required if not answer.get(name)]
        if missing:
            raise ProviderUnavailable("paynova", f"a successful answer without {', '.join(missing)}")
        return answer


def _answer(response: HttpResponse) -> dict[str, Any]:
    """The answer of a successful operation. Paynova answers its refusals with HTTP 200
    and `status.isSuccess: false`; other codes mean the call itself failed."""
    if response.status_code == 401:
        raise ProviderUnavailable("paynova", "the merchant id or API password was refused (HTTP 401)")
    if response.status_code not in (200, 201):
        raise ProviderUnavailable("paynova", f"HTTP {response.status_code}")
    try:
        answer = response.json()
        status = answer["status"]
        succeeded = status["isSuccess"]
    except (ValueError, TypeError, KeyError):
        raise ProviderUnavailable("paynova", "the answer has no status object") from None
    if succeeded is True:
        return answer
    if status.get("errorNumber") == INTERNAL_ERROR:
        raise ProviderUnavailable("paynova", f"{status.get('statusKey')}: {status.get('statusMessage')}")
    raise ProviderRefused(
        "paynova",
        code=str(status.get("errorNumber")),
        message=status.get("statusMessage") or status.get("statusKey") or "the operation failed",
        details={
            "errorNumber": status.get("errorNumber"),
            "statusKey": status.get("statusKey"),
            "errors": status.get("errors") or [],
        },
    )
