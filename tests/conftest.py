"""Factories for the objects most tests need: settings and commercetools payments."""

from __future__ import annotations

import json

import pytest
import responses
from werkzeug import Response

from connector.providers import read_settings
from connector.settings import Settings
from tests.provider_stub import ProviderStub
from tests.tenant_documents import TWO_TENANTS, configuration, document

BASE_ENV = {
    "CTP_PROJECT_KEY": "shop",
    "CTP_CLIENT_ID": "client",
    "CTP_CLIENT_SECRET": "ctp-secret-value",
    "CTP_API_URL": "https://api.example.test",
    "CTP_AUTH_URL": "https://auth.example.test",
    "EXTENSION_USERNAME": "commercetools",
    "EXTENSION_PASSWORD": "extension-secret-value",
    "EXTENSION_PUBLIC_URL": "https://connector.example.test",
    "NOTIFICATION_PUBLIC_URL": "https://notifications.example.test",
    "NUVEI_MERCHANT_ID": "merchant-1",
    "NUVEI_MERCHANT_SITE_ID": "site-1",
    "NUVEI_SECRET_KEY": "nuvei-secret-value",
    "NUVEI_API_URL": "https://nuvei.example.test/ppp/api/v1",
}


@pytest.fixture
def env() -> dict[str, str]:
    """A complete, valid configuration; tests change copies of it."""
    return dict(BASE_ENV)


@pytest.fixture
def settings(env) -> Settings:
    return read_settings(env)


@pytest.fixture
def commercetools_api():
    """commercetools' HTTP API stubbed (for the `settings` project), a token already issued."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.post(
            "https://auth.example.test/oauth/token",
            json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600},
        )
        yield mocked


@pytest.fixture
def provider_api(httpserver) -> ProviderStub:
    """A provider's API as a real local HTTP server with scripted answers."""
    return ProviderStub(httpserver)


@pytest.fixture
def tenants_configuration(provider_api):
    """Builds the configuration of a document of tenants (tests/tenant_documents.py: by
    default two, shop-a and shop-b, each its own Nuvei account) whose Nuvei accounts are
    served by `provider_api`."""
    return lambda tenants=TWO_TENANTS, **top: configuration(document(tenants, provider_api.url, **top))


@pytest.fixture
def nuvei_api(httpserver, env):
    """Nuvei's API as a real local HTTP server (pytest-httpserver); `env` points at it.
    Request it before `settings` so that the settings see its URL."""
    env["NUVEI_API_URL"] = httpserver.url_for("/ppp/api/v1")
    return httpserver


class NuveiLedger:
    """Nuvei's getTransactionDetails.do on a local HTTP server (under `api_path`, one
    account's), answering from the transactions a test says Nuvei holds (status ERROR for
    any other id)."""

    def __init__(self, httpserver, api_path: str = "/ppp/api/v1"):
        self.transactions: dict[str, dict] = {}
        httpserver.expect_request(f"{api_path}/getTransactionDetails.do", method="POST").respond_with_handler(
            self._answer
        )

    def holds_dmn(self, fields: dict) -> dict:
        """Nuvei holds the transaction a DMN reports, as the DMN reports it."""
        self.transactions[fields["TransactionID"]] = {
            "transactionId": fields["TransactionID"],
            "transactionType": fields["transactionType"],
            "transactionStatus": fields["Status"],
            "clientUniqueId": fields["clientUniqueId"],
            "relatedTransactionId": fields.get("relatedTransactionId"),
            "authCode": fields.get("AuthCode"),
        }
        return fields

    def _answer(self, request):
        asked = json.loads(request.get_data())
        held = self.transactions.get(asked.get("transactionId", ""))
        answer = (
            {"status": "SUCCESS", "errCode": 0, "reason": "", "transactionDetails": held}
            if held
            else {"status": "ERROR", "errCode": 1140, "reason": "Transaction not found"}
        )
        return Response(json.dumps(answer), content_type="application/json")


@pytest.fixture
def nuvei_ledger(nuvei_api) -> NuveiLedger:
    """What Nuvei holds, read back by the connector; request it before `settings`."""
    return NuveiLedger(nuvei_api)
