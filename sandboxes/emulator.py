"""A small client for the commercetools emulator, as a storefront or a test uses it:
plain HTTP, so it sees exactly what a merchant would."""

from __future__ import annotations

import json
from typing import Any

import requests


class EmulatorClient:
    def __init__(self, base_url: str, project_key: str, client_id: str, client_secret: str):
        self.base_url = base_url
        self.project_key = project_key
        self._credentials = (client_id, client_secret)
        self._session = requests.Session()
        self._token: str | None = None

    @property
    def access_token(self) -> str:
        if self._token is None:
            answer = self._session.post(
                f"{self.base_url}/oauth/token",
                params={"grant_type": "client_credentials", "scope": f"manage_project:{self.project_key}"},
                auth=self._credentials,
                timeout=10,
            )
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        return self._token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs) -> requests.Response:
        return self._session.request(
            method,
            f"{self.base_url}/{self.project_key}/{path}",
            headers={**self._headers(), **(headers or {})},
            timeout=30,
            **kwargs,
        )

    def create_payment(self, draft: dict[str, Any], headers: dict | None = None) -> requests.Response:
        return self.request("POST", "payments", json=draft, headers=headers)

    def get_payment(self, payment_id: str) -> dict[str, Any] | None:
        answer = self.request("GET", f"payments/{payment_id}")
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        return answer.json()

    def update_payment(self, payment_id: str, version: int, actions: list[dict]) -> requests.Response:
        return self.request("POST", f"payments/{payment_id}", json={"version": version, "actions": actions})

    def payments(self, where: str | None = None) -> list[dict[str, Any]]:
        answer = self.request("GET", "payments", params={"where": where, "limit": 500} if where else {"limit": 500})
        answer.raise_for_status()
        return answer.json()["results"]

    # The emulator's own controls (not part of commercetools).
    def fault(self, mode: str) -> None:
        """ "unavailable" (503), "reset" (connections dropped), "conflict" (the next
        payment update answered 409) or "none"."""
        self._session.post(f"{self.base_url}/_emulator/fault", json={"fault": mode}, timeout=5).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return self._session.get(f"{self.base_url}/_emulator/stats", timeout=5).json()

    def reset_stats(self) -> None:
        self._session.post(f"{self.base_url}/_emulator/stats/reset", timeout=5).raise_for_status()

    def tokens(self) -> list[str]:
        """Every access and refresh token the emulator handed out."""
        return self._session.get(f"{self.base_url}/_emulator/tokens", timeout=5).json()["tokens"]


def payment_draft(
    interface: str, cent_amount: int = 1999, currency: str = "EUR", session_request: dict | None = None
) -> dict:
    """A payment draft as a storefront creates it for a provider."""
    draft: dict[str, Any] = {
        "amountPlanned": {"currencyCode": currency, "centAmount": cent_amount},
        "paymentMethodInfo": {"paymentInterface": interface, "method": "card"},
    }
    if session_request is not None:
        draft["custom"] = {
            "type": {"typeId": "type", "key": "connector-payment"},
            "fields": {"sessionRequest": json.dumps(session_request)},
        }
    return draft


def nuvei_payment(**details) -> dict:
    return payment_draft("nuvei", **details)
