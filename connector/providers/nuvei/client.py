"""Every HTTP call to Nuvei: authentication fields, checksum, and error answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ...errors import ProviderRefused, ProviderUnavailable
from ...http import Deadline, HttpClient
from ...status_words import same_status
from .signature import request_checksum

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
        request = self._authenticated(order)
        response = self.http.request("POST", f"{self.config.api_url}/openOrder.do", deadline, json=request)
        return request, self._answer(response)

    def _authenticated(self, order: dict[str, Any]) -> dict[str, Any]:
        request = {
            **order,
            "merchantId": self.config.merchant_id,
            "merchantSiteId": self.config.merchant_site_id,
            # Unique per call, as Nuvei asks: a repeat would be refused (see __init__.py).
            "clientRequestId": uuid.uuid4().hex,
            "timeStamp": datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        }
        request["checksum"] = request_checksum(request, self.config.secret_key)
        return request

    @staticmethod
    def _answer(response) -> dict[str, Any]:
        if response.status_code != 200:
            raise ProviderUnavailable("nuvei", f"HTTP {response.status_code}")
        answer = response.json_object()
        # Nuvei answers refusals with HTTP 200 and status ERROR.
        if not same_status(answer.get("status"), SUCCESS):
            raise ProviderRefused(
                "nuvei",
                code=str(answer.get("errCode", "")) or None,
                message=answer.get("reason") or "openOrder failed",
                details={key: answer.get(key) for key in ("status", "errCode", "reason", "internalRequestId")},
            )
        if not answer.get("sessionToken") or answer.get("orderId") in (None, ""):
            raise ProviderUnavailable("nuvei", "a SUCCESS answer without sessionToken or orderId")
        return answer
