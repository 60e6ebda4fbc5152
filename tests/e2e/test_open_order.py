"""POST /openOrder against the stored payment, over real HTTP."""

import pytest
import requests

from sandboxes.emulator import nuvei_payment


def open_order(stack, body, auth=True):
    credentials = ("commercetools", stack.extension_password) if auth else None
    return requests.post(f"{stack.extension_url}/openOrder", json=body, auth=credentials, timeout=30)


@pytest.fixture
def payment_without_session(stack, emulator):
    """A Nuvei payment created while the extension was not registered (e.g. before
    the connector was deployed)."""
    assert stack.deploy("teardown").returncode == 0
    try:
        created = emulator.create_payment(nuvei_payment(cent_amount=4250))
        assert created.status_code == 201
    finally:
        assert stack.deploy("setup").returncode == 0
    payment = created.json()
    assert "custom" not in payment
    return payment


def test_opens_an_order_and_leaves_the_payment_as_the_extension_would(stack, emulator, nuvei, payment_without_session):
    payment = payment_without_session
    answer = open_order(stack, {"clientUniqueId": payment["id"], "currency": "EUR", "amount": "42.50"})
    assert answer.status_code == 200, answer.text
    token = answer.json()["sessionToken"]
    [order] = nuvei.orders(payment["id"])
    assert order["sessionToken"] == token and order["amount"] == "42.50"

    by_open_order = emulator.get_payment(payment["id"])
    by_extension = emulator.get_payment(emulator.create_payment(nuvei_payment()).json()["id"])
    assert by_open_order["custom"]["fields"]["sessionToken"] == token
    assert by_open_order["interfaceId"] == order["orderId"]
    for view in (
        lambda p: sorted(p["custom"]["fields"]),
        lambda p: p["paymentStatus"],
        lambda p: [i["fields"]["type"] for i in p["interfaceInteractions"]],
    ):
        assert view(by_open_order) == view(by_extension)


def test_a_second_call_returns_the_same_token_without_a_new_order(stack, nuvei, payment_without_session):
    body = {"clientUniqueId": payment_without_session["id"], "currency": "EUR", "amount": "42.50"}
    first, second = open_order(stack, body), open_order(stack, body)
    assert first.json() == second.json()
    assert len(nuvei.orders(payment_without_session["id"])) == 1


def test_bad_requests_name_the_field(stack, emulator):
    payment = emulator.create_payment(nuvei_payment()).json()
    unknown = open_order(stack, {"clientUniqueId": "no-such-payment", "currency": "EUR", "amount": "19.99"})
    wrong_amount = open_order(stack, {"clientUniqueId": payment["id"], "currency": "EUR", "amount": "1.00"})
    missing = open_order(stack, {"clientUniqueId": payment["id"]})
    assert [a.status_code for a in (unknown, wrong_amount, missing)] == [400, 400, 400]
    assert unknown.json()["errors"][0]["field"] == "clientUniqueId"
    assert wrong_amount.json()["errors"][0]["field"] == "amount"
    assert {e["field"] for e in missing.json()["errors"]} == {"currency", "amount"}


def test_credentials_are_required(stack):
    answer = open_order(stack, {"clientUniqueId": "x", "currency": "EUR", "amount": "1.00"}, auth=False)
    assert answer.status_code == 401
    assert set(answer.json()) == {"message"}
