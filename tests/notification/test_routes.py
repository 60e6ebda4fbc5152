"""The notification service through Flask's test client, commercetools stubbed."""

import json
import logging

import pytest

from connector.providers import read_settings
from connector.providers.nuvei.signature import dmn_checksum
from notification.app import create_app
from tests.conftest import NuveiLedger
from tests.factories import PAYMENT_ID, payment_json, signed_dmn, transaction_json
from tests.tenant_documents import TWO_TENANTS, WITH_DEFAULT_TENANT, nuvei_path, nuvei_secret, project_api

API = "https://api.example.test/shop"


@pytest.fixture
def client(nuvei_ledger, settings):
    return create_app(settings).test_client()


@pytest.fixture
def held_dmn(nuvei_ledger):
    """A signed DMN for a transaction Nuvei holds (its read-back agrees)."""
    return lambda payment_id=PAYMENT_ID, **fields: nuvei_ledger.holds_dmn(signed_dmn(payment_id, **fields))


def updates(mocked):
    return [
        json.loads(c.request.body) for c in mocked.calls if c.request.method == "POST" and "/payments/" in c.request.url
    ]


def test_an_approved_dmn_adds_the_authorization(client, commercetools_api, held_dmn):
    payment = payment_json()
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    commercetools_api.post(f"{API}/payments/{payment['id']}", json={**payment, "version": 2})
    answer = client.post("/notifications/nuvei", data=held_dmn(payment["id"]))
    assert (answer.status_code, answer.json) == (200, {"status": "applied"})
    [update] = updates(commercetools_api)
    added = next(a for a in update["actions"] if a["action"] == "addTransaction")["transaction"]
    assert added == {
        "type": "Authorization",
        "amount": {"currencyCode": "EUR", "centAmount": 1999},
        "state": "Success",
        "interactionId": "711",
    }


def test_a_get_dmn_is_read_from_the_query(client, commercetools_api, held_dmn):
    payment = payment_json()
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    commercetools_api.post(f"{API}/payments/{payment['id']}", json={**payment, "version": 2})
    answer = client.get("/notifications/nuvei", query_string=held_dmn(payment["id"]))
    assert answer.json == {"status": "applied"}


def test_a_repeat_sends_no_update(client, commercetools_api, held_dmn):
    payment = payment_json(transactions=[transaction_json(interaction_id="711")], status_code="APPROVED")
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    answer = client.post("/notifications/nuvei", data=held_dmn(payment["id"]))
    assert (answer.status_code, answer.json) == (200, {"status": "unchanged"})
    assert updates(commercetools_api) == []


def test_a_forged_dmn_is_refused_before_commercetools_is_asked(client, commercetools_api):
    fields = {**signed_dmn(PAYMENT_ID), "totalAmount": "0.01"}
    answer = client.post("/notifications/nuvei", data=fields)
    assert (answer.status_code, answer.json) == (401, {"message": "not authentic"})
    assert not any("api.example.test" in call.request.url for call in commercetools_api.calls)


def test_a_malformed_dmn_is_a_bad_request(client, commercetools_api):
    fields = signed_dmn(PAYMENT_ID)
    del fields["TransactionID"]
    fields["advanceResponseChecksum"] = dmn_checksum(fields, "nuvei-secret-value")
    answer = client.post("/notifications/nuvei", data=fields)
    assert answer.status_code == 400
    assert "TransactionID" in answer.json["message"]


def test_an_unknown_payment_is_a_bad_request(client, commercetools_api, held_dmn):
    commercetools_api.get(
        f"{API}/payments/{PAYMENT_ID}", status=404, json={"statusCode": 404, "message": "nf", "errors": []}
    )
    answer = client.post("/notifications/nuvei", data=held_dmn(PAYMENT_ID))
    assert answer.status_code == 400 and "unknown payment" in answer.json["message"]


def test_a_payment_of_another_provider_is_a_bad_request(client, commercetools_api, held_dmn):
    payment = payment_json(interface="optty")
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    answer = client.post("/notifications/nuvei", data=held_dmn(payment["id"]))
    assert answer.status_code == 400
    assert updates(commercetools_api) == []


@pytest.mark.parametrize("status", [500, 503, 504])
def test_commercetools_failing_is_a_503_so_nuvei_retries(client, commercetools_api, status, held_dmn):
    commercetools_api.get(f"{API}/payments/{PAYMENT_ID}", status=status, body="down")
    answer = client.post("/notifications/nuvei", data=held_dmn(PAYMENT_ID))
    assert answer.status_code == 503


def test_unknown_provider(client):
    answer = client.post("/notifications/stripe", data={})
    assert answer.status_code == 404 and "stripe" in answer.json["message"]


# The credentials that enable each provider, as the contract lists them.
CREDENTIALS = {
    "nuvei": "NUVEI_MERCHANT_ID, NUVEI_MERCHANT_SITE_ID, NUVEI_SECRET_KEY",
    "optty": "OPTTY_CLIENT_ID, OPTTY_CLIENT_SECRET",
    "nexway": "NEXWAY_SECRET, NEXWAY_CLIENT_SECRET, NEXWAY_REALM, NEXWAY_NOTIFICATION_USERNAME, NEXWAY_NOTIFICATION_PASSWORD",
    "paynova": "PAYNOVA_MERCHANT_ID, PAYNOVA_API_PASSWORD, PAYNOVA_SECRET_KEY",
    "kustom": "KUSTOM_API_KEY",
}


@pytest.fixture
def no_provider(env):
    """A deployment that configures no provider; made before the test, so that the
    app's log set-up leaves the test's log capture in place."""
    for name in CREDENTIALS["nuvei"].split(", "):
        del env[name]
    return create_app(read_settings(env)).test_client()


@pytest.mark.parametrize(
    ("name", "sent"),
    [
        ("nuvei", {"method": "GET", "query_string": signed_dmn()}),
        ("nuvei", {"method": "POST", "data": signed_dmn()}),
        *((name, {"method": "POST", "data": {}}) for name in CREDENTIALS if name != "nuvei"),
    ],
)
def test_a_provider_not_configured_is_retried_later_and_its_missing_settings_named_once(
    no_provider, name, sent, caplog
):
    answer = no_provider.open(f"/notifications/{name}", **sent)
    missing = f"the {name} provider is not configured: set {CREDENTIALS[name]}"
    assert (answer.status_code, answer.json) == (503, {"message": missing})
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and missing in errors[0], errors


def test_the_notification_service_needs_no_extension_settings(env):
    for name in ("EXTENSION_USERNAME", "EXTENSION_PASSWORD", "EXTENSION_PUBLIC_URL", "NOTIFICATION_PUBLIC_URL"):
        del env[name]
    assert create_app(read_settings(env)).test_client().get("/health").status_code == 200


def test_a_dmn_in_another_currency_than_the_payment_is_refused(client, commercetools_api, held_dmn):
    payment = payment_json(currency="USD")
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    answer = client.post("/notifications/nuvei", data=held_dmn(payment["id"]))
    assert answer.status_code == 400 and "EUR" in answer.json["message"]
    assert updates(commercetools_api) == []


def test_a_dmn_nuvei_disagrees_with_is_refused_before_commercetools_is_asked(client, commercetools_api, nuvei_ledger):
    """Replayed onto another payment: the checksum holds, Nuvei's read-back does not."""
    nuvei_ledger.holds_dmn(signed_dmn("5e3c7c1a-0000-4e6f-8a9b-0c1d2e3f4a5b"))
    answer = client.post("/notifications/nuvei", data=signed_dmn(PAYMENT_ID))
    assert answer.status_code == 400
    assert "disagrees with getTransactionDetails.do: clientUniqueId" in answer.json["message"]
    assert not any("api.example.test" in call.request.url for call in commercetools_api.calls)


def test_nuvei_not_answering_the_read_back_is_a_503_so_nuvei_retries(env, commercetools_api):
    env["NUVEI_API_URL"] = "http://127.0.0.1:9/ppp/api/v1"  # nothing listens there
    answer = create_app(read_settings(env)).test_client().post("/notifications/nuvei", data=signed_dmn(PAYMENT_ID))
    assert answer.status_code == 503
    assert not any("api.example.test" in call.request.url for call in commercetools_api.calls)


# /notifications/<provider>/<tenant> with a document of tenants.


@pytest.fixture
def tenants_client(tenants_configuration, commercetools_api):
    """Builds the notification service's test client for a document of tenants (by
    default TWO_TENANTS)."""
    return lambda tenants=TWO_TENANTS: create_app(configuration=tenants_configuration(tenants)).test_client()


def a_dmn_for(tenant: str, account: str, commercetools_api, provider_api) -> dict:
    """A DMN signed for the account (which Nuvei's read-back confirms) about a payment that
    only the tenant's project holds, which the project then accepts an update of."""
    payment = payment_json()
    url = f"{project_api(tenant)}/payments/{payment['id']}"
    commercetools_api.get(url, json=payment)
    commercetools_api.post(url, json={**payment, "version": 2})
    ledger = NuveiLedger(provider_api.server, nuvei_path(account))
    return ledger.holds_dmn(signed_dmn(payment["id"], secret=nuvei_secret(account)))


def test_a_dmn_at_its_tenants_url_is_applied_to_its_project(tenants_client, commercetools_api, provider_api):
    dmn = a_dmn_for("shop-b", "nuvei-b", commercetools_api, provider_api)
    answer = tenants_client().post("/notifications/nuvei/shop-b", data=dmn)
    assert (answer.status_code, answer.json) == (200, {"status": "applied"})
    projects = {
        call.request.url.split("/payments/")[0] for call in commercetools_api.calls if "/payments/" in call.request.url
    }
    assert projects == {project_api("shop-b")}


@pytest.mark.parametrize(
    ("tenants", "path", "status", "message"),
    [
        (TWO_TENANTS, "/notifications/nuvei/shop-b", 401, "not authentic"),
        (TWO_TENANTS, "/notifications/nuvei/shop-x", 404, "no tenant at /notifications/nuvei/shop-x"),
        (TWO_TENANTS, "/notifications/nuvei", 404, "no tenant at /notifications/nuvei"),
        (
            {"shop-a": "nuvei-a", "shop-b": None},
            "/notifications/nuvei/shop-b",
            503,
            "the nuvei provider is not configured: set tenants.shop-b.providers.nuvei",
        ),
    ],
    ids=[
        "another tenant's URL",
        "an unknown tenant",
        "the bare URL without a tenant default",
        "a provider the tenant does not use",
    ],
)
def test_a_dmn_for_shop_a_elsewhere_is_refused_and_touches_nothing(
    tenants_client, commercetools_api, provider_api, tenants, path, status, message
):
    dmn = a_dmn_for("shop-a", "nuvei-a", commercetools_api, provider_api)
    answer = tenants_client(tenants).post(path, data=dmn)
    assert (answer.status_code, answer.json) == (status, {"message": message})
    assert (list(commercetools_api.calls), provider_api.calls) == ([], [])


def test_through_a_shared_account_a_payment_of_another_project_is_unknown(
    tenants_client, commercetools_api, provider_api
):
    dmn = a_dmn_for("shop-a", "nuvei-eu", commercetools_api, provider_api)
    not_found = {"statusCode": 404, "message": "not found", "errors": []}
    commercetools_api.get(f"{project_api('shop-b')}/payments/{dmn['clientUniqueId']}", status=404, json=not_found)
    answer = tenants_client({"shop-a": "nuvei-eu", "shop-b": "nuvei-eu"}).post("/notifications/nuvei/shop-b", data=dmn)
    assert answer.status_code == 400 and "unknown payment" in answer.json["message"]
    assert updates(commercetools_api) == []


@pytest.mark.parametrize("path", ["/notifications/nuvei", "/notifications/nuvei/default"])
def test_a_tenant_named_default_is_notified_at_the_bare_url_too(tenants_client, commercetools_api, provider_api, path):
    dmn = a_dmn_for("default", "nuvei-a", commercetools_api, provider_api)
    answer = tenants_client(WITH_DEFAULT_TENANT).post(path, data=dmn)
    assert (answer.status_code, answer.json) == (200, {"status": "applied"})
