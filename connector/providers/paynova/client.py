"""Every HTTP call to Paynova: Basic auth, and its status objects turned into our errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

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


# Built like Nuvei's and the other clients (a config, an HttpClient in the provider's name); the calls are Paynova's.
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

    def modify(self, request: ModificationRequest, deadline: Deadline) -> dict[str, Any]:
        """POST orders/{orderId}/transactions/{transactionId}/{finalize|annul|refund}/{totalAmount}:
        Paynova's answer with its status object, whether the operation succeeded or not
        (what a refusal means depends on the operation); ProviderUnavailable when there
        is no such answer."""
        path = "/".join(
            [
                "orders",
                quote(request.order_id, safe=""),
                "transactions",
                quote(request.transaction_id, safe=""),
                request.operation,
                request.total_amount,
            ]
        )
        return _status_answer(self._send(path, request.operation, request.body, deadline))

    def _post(
        self, path: str, operation: str, body: dict[str, Any], deadline: Deadline, required: tuple[str, ...]
    ) -> dict[str, Any]:
        answer = _status_answer(self._send(path, operation, body, deadline))
        status = answer["status"]
        if status["isSuccess"] is not True and status.get("errorNumber") == INTERNAL_ERROR:
            raise ProviderUnavailable("paynova", f"{status.get('statusKey')}: {status.get('statusMessage')}")
        if status["isSuccess"] is not True:
            raise refusal(status)
        missing = [name for name in required if not answer.get(name)]
        if missing:
            raise ProviderUnavailable("paynova", f"a successful answer without {', '.join(missing)}")
        return answer

    def _send(self, path: str, operation: str, body: dict[str, Any], deadline: Deadline) -> HttpResponse:
        return self.http.request(
            "POST",
            f"{self.config.api_url}/{path}",
            deadline,
            operation,
            json=body,
            auth=(self.config.merchant_id, self.config.api_password),
        )


@dataclass(frozen=True)
class ModificationRequest:
    """A finalize, annul or refund call: the path's parts and the JSON body."""

    operation: str  # finalize, annul or refund
    order_id: str
    transaction_id: str  # the authorization (finalize, annul) or the finalized transaction (refund)
    total_amount: str  # decimal text with the currency's digits
    body: dict[str, Any]


def _status_answer(response: HttpResponse) -> dict[str, Any]:
    """An answer that carries Paynova's status object. Paynova answers its refusals with
    HTTP 200 and `status.isSuccess: false`; other codes mean the call itself failed."""
    if response.status_code == 401:
        raise ProviderUnavailable("paynova", "the merchant id or API password was refused (HTTP 401)")
    if response.status_code not in (200, 201):
        raise ProviderUnavailable("paynova", f"HTTP {response.status_code}")
    try:
        answer = response.json()
        has_status = isinstance(answer["status"], dict) and "isSuccess" in answer["status"]
    except (ValueError, TypeError, KeyError):
        has_status = False
    if not has_status:
        raise ProviderUnavailable("paynova", "the answer has no status object")
    return answer


def refusal(status: dict[str, Any]) -> ProviderRefused:
    """Paynova's answer `isSuccess: false` as the connector's refusal, with its details."""
    return ProviderRefused(
        "paynova",
        code=str(status.get("errorNumber")),
        message=status.get("statusMessage") or status.get("statusKey") or "the operation failed",
        details={
            "errorNumber": status.get("errorNumber"),
            "statusKey": status.get("statusKey"),
            "errors": status.get("errors") or [],
        },
    )
