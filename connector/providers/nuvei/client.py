"""Every HTTP call to Nuvei: authentication fields, checksum, and error answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ... import correlation
from ...errors import ProviderRefused, ProviderUnavailable
from ...http import Deadline, HttpClient, HttpResponse
from ...status_words import same_status
from .signature import MODIFICATION_FIELDS, OPEN_ORDER_FIELDS, TRANSACTION_DETAILS_FIELDS, checksum

TEST_API_URL = "https://ppp-test.nuvei.com/ppp/api/v1"
# The request-level status of an answer Nuvei accepted (else ERROR, under HTTP 200 too).
SUCCESS = "SUCCESS"


@dataclass(frozen=True)
class NuveiConfig:
    merchant_id: str
    merchant_site_id: str
    secret_key: str = field(repr=False)
    api_url: str = TEST_API_URL


class NuveiClient:
    def __init__(self, config: NuveiConfig, http: HttpClient | None = None):
        self.config = config
        self.http = http or HttpClient("nuvei")

    def open_order(self, order: dict[str, Any], deadline: Deadline) -> tuple[dict, dict]:
        """Calls openOrder.do; returns the request as sent and Nuvei's SUCCESS answer."""
        # Unique per call, as Nuvei asks: a repeat would be refused (see __init__.py).
        request = self._signed(order, OPEN_ORDER_FIELDS, correlation.new_id())
        answer = self._post("openOrder.do", request, deadline)
        # Nuvei answers refusals with HTTP 200 and status ERROR.
        if not same_status(answer.get("status"), SUCCESS):
            raise refusal(answer, "openOrder failed")
        if not answer.get("sessionToken") or answer.get("orderId") in (None, ""):
            raise ProviderUnavailable("nuvei", "a SUCCESS answer without sessionToken or orderId")
        return request, answer

    def modify(self, method: str, fields: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        """Calls settleTransaction.do, refundTransaction.do or voidTransaction.do with the
        modification's own clientRequestId (in `fields`: Nuvei's duplicate guard); returns
        Nuvei's answer, whatever its status."""
        request = self._signed(fields, MODIFICATION_FIELDS, fields["clientRequestId"])
        return self._post(method, request, deadline)

    def transaction_details(
        self, deadline: Deadline, *, transaction_id: str | None = None, client_unique_id: str | None = None
    ) -> dict[str, Any]:
        """Calls getTransactionDetails.do for one transaction, or for the latest of a
        clientUniqueId; returns Nuvei's answer, whatever its status (ERROR: Nuvei holds
        no such transaction)."""
        lookup = {"transactionId": transaction_id} if transaction_id else {"clientUniqueId": client_unique_id}
        # A read is a call of its own: a repeated clientRequestId would be refused.
        request = self._signed(lookup, TRANSACTION_DETAILS_FIELDS, correlation.new_id())
        return self._post("getTransactionDetails.do", request, deadline)

    def _signed(self, fields: dict[str, Any], checksum_fields: tuple[str, ...], client_request_id: str) -> dict:
        request = {
            **fields,
            "merchantId": self.config.merchant_id,
            "merchantSiteId": self.config.merchant_site_id,
            "clientRequestId": client_request_id,
            "timeStamp": datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        }
        request["checksum"] = checksum(request, checksum_fields, self.config.secret_key)
        return request

    def _post(self, method: str, request: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        response: HttpResponse = self.http.request("POST", f"{self.config.api_url}/{method}", deadline, json=request)
        if response.status_code != 200:
            raise ProviderUnavailable("nuvei", f"HTTP {response.status_code} from {method}")
        return response.json_object()


def refusal(answer: dict[str, Any], fallback: str) -> ProviderRefused:
    """A request-level ERROR answer as a refusal, with Nuvei's code and reason."""
    return ProviderRefused(
        "nuvei",
        code=str(answer.get("errCode", "")) or None,
        message=answer.get("reason") or fallback,
        details={key: answer.get(key) for key in ("status", "errCode", "reason", "internalRequestId")},
    )
