"""POST /openOrder with commercetools and Nuvei stubbed at the HTTP level."""

import json

import pytest

from connector.providers import read_settings
from extension import open_order as open_order_module
from extension.app import create_app
from tests.factories import EXTENSION_AUTH as AUTH
from tests.factories import PAYMENT_ID, payment_json

OPEN_ORDER = "/ppp/api/v1/openOrder.do"
API = "https://api.example.test/shop"


@pytest.fixture
def client(nuvei_api, env):
    return create_app(read_settings(env)).test_client()


def open_order(client, body, headers=AUTH):
    return client.post("/openOrder", json=body, headers=headers)


def body_for(payment, **overrides):
    return {"clientUniqueId": payment["id"], "currency": "EUR", "amount": "19.99", **overrides}


def a_payment_nuvei_opens(commercetools_api, nuvei_api) -> dict:
    """A payment commercetools holds, Nuvei's session tok-9 for it, and commercetools' answer
    to the update that stores the token."""
    payment = payment_json()
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    nuvei_api.expect_request(OPEN_ORDER).respond_with_json(
        {"status": "SUCCESS", "sessionToken": "tok-9", "orderId": "41"}
    )
    stored = {
        **payment,
        "version": 2,
        "custom": {"type": {"typeId": "type", "id": "t"}, "fields": {"sessionToken": "tok-9"}},
    }
    commercetools_api.post(f"{API}/payments/{payment['id']}", json=stored)
    return payment


def test_credentials_are_required(client):
    answer = open_order(client, {"clientUniqueId": "p", "currency": "EUR", "amount": "1.00"}, headers={})
    assert answer.status_code == 401
    assert answer.json == {"message": "missing or wrong credentials"}


def test_missing_and_malformed_fields_are_each_named(client):
    answer = open_order(client, {"currency": "euro", "amount": "ten", "extra": 1})
    assert answer.status_code == 400
    assert {error["field"] for error in answer.json["errors"]} == {"clientUniqueId", "currency", "amount", "extra"}
    assert all(error["message"] for error in answer.json["errors"])


def test_an_unknown_payment_is_a_bad_request(client, commercetools_api):
    commercetools_api.get(f"{API}/payments/nope", status=404, json={"statusCode": 404, "message": "nf", "errors": []})
    answer = open_order(client, {"clientUniqueId": "nope", "currency": "EUR", "amount": "19.99"})
    assert answer.status_code == 400
    assert answer.json["errors"][0]["field"] == "clientUniqueId"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"currency": "USD"}, "currency"), ({"amount": "20.00"}, "amount"), ({"amount": "19.999"}, "amount")],
)
def test_amount_and_currency_must_match_the_payment(client, commercetools_api, overrides, field):
    payment = payment_json()
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    answer = open_order(client, body_for(payment, **overrides))
    assert answer.status_code == 400
    assert answer.json["errors"][0]["field"] == field


def test_only_nuvei_payments(client, commercetools_api):
    payment = payment_json(interface="optty")
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    answer = open_order(client, body_for(payment))
    assert (answer.status_code, answer.json["errors"][0]["field"]) == (400, "clientUniqueId")


def test_opens_an_order_and_stores_the_session_on_the_payment(client, commercetools_api, nuvei_api):
    payment = a_payment_nuvei_opens(commercetools_api, nuvei_api)
    answer = open_order(client, body_for(payment))
    assert (answer.status_code, answer.json) == (200, {"sessionToken": "tok-9"})
    update = json.loads(
        next(
            c.request.body
            for c in commercetools_api.calls
            if c.request.url == f"{API}/payments/{payment['id']}" and c.request.method == "POST"
        )
    )
    assert update["version"] == 1
    assert {a["action"] for a in update["actions"]} >= {"setCustomType", "setInterfaceId", "addInterfaceInteraction"}


def test_an_existing_token_is_returned_without_calling_nuvei(client, commercetools_api, nuvei_api):
    payment = payment_json(custom_fields={"sessionToken": "tok-0"})
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    answer = open_order(client, body_for(payment))
    assert answer.json == {"sessionToken": "tok-0"}
    assert nuvei_api.log == []


def test_commercetools_down_is_a_503(client, commercetools_api):
    commercetools_api.get(f"{API}/payments/{PAYMENT_ID}", status=503, body="down")
    answer = open_order(client, {"clientUniqueId": PAYMENT_ID, "currency": "EUR", "amount": "1.00"})
    assert answer.status_code == 503
    assert "message" in answer.json


def test_the_commercetools_calls_share_one_budget(client, commercetools_api, nuvei_api, monkeypatch):
    # The storefront waits on /openOrder: a slow commercetools must not hold it for long.
    monkeypatch.setattr(open_order_module, "COMMERCETOOLS_SECONDS", 0.5)
    payment = a_payment_nuvei_opens(commercetools_api, nuvei_api)
    assert open_order(client, body_for(payment)).status_code == 200
    payment_calls = [c.request for c in commercetools_api.calls if "/payments/" in c.request.url]
    assert [call.method for call in payment_calls] == ["GET", "POST"]  # read once, then update
    assert all(max(call.req_kwargs["timeout"]) <= 0.5 for call in payment_calls)


def test_a_spent_commercetools_budget_is_a_503(client, commercetools_api, monkeypatch):
    monkeypatch.setattr(open_order_module, "COMMERCETOOLS_SECONDS", 0)
    answer = open_order(client, body_for(payment_json()))
    assert answer.status_code == 503
    assert [c for c in commercetools_api.calls if "/payments/" in c.request.url] == []
