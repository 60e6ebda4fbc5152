import json

import pytest
import requests
import responses

from connector.errors import ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.providers.kustom.client import KustomClient, KustomConfig

from .factories import decline, managed_order, order_answer

CONFIG = KustomConfig("kco_test_api_unit-key", "https://kustom.example.test")
TOKEN = "0b1d9815-165e-42e2-8867-35bc03789e00"
CHARGE_URL = f"https://kustom.example.test/customer-token/v1/tokens/{TOKEN}/order"
ORDER_URL = "https://kustom.example.test/ordermanagement/v1/orders/ord-1"
ORDER = {"order_amount": 1999, "purchase_currency": "EUR", "order_lines": []}


def charge(token: str = TOKEN):
    return KustomClient(CONFIG).create_order(token, dict(ORDER), "idem-1", Deadline(5))


@responses.activate
def test_a_charge_sends_the_api_key_and_the_idempotency_key():
    responses.post(CHARGE_URL, json=order_answer())
    result = charge()
    [call] = responses.calls
    assert call.request.headers["Authorization"] == "Basic kco_test_api_unit-key"
    assert call.request.headers["Klarna-Idempotency-Key"] == "idem-1"
    assert json.loads(call.request.body) == ORDER
    assert (result.declined, result.answer["order_id"]) == (False, "ord-1")


@responses.activate
def test_the_customer_token_cannot_leave_its_path_segment():
    responses.post("https://kustom.example.test/customer-token/v1/tokens/a%2F..%2Fb/order", json=order_answer())
    assert charge("a/../b").answer["order_id"] == "ord-1"


@pytest.mark.parametrize("code", ["PAYMENT_METHOD_FAILED", "TOKEN_SUSPENDED", "TOKEN_CANCELLED", "TOKEN_FORBIDDEN"])
@responses.activate
def test_declines_are_an_answer_not_an_error(code):
    responses.post(CHARGE_URL, status=403, json={**decline(code), "debug": "dropped"})
    result = charge()
    assert result.declined
    assert result.answer == {**decline(code)}


@pytest.mark.parametrize(
    ("status", "body", "code", "message"),
    [
        (400, {"error_code": "BAD_REQUEST", "error_messages": ["Bad value: order_lines[0].total_tax_amount"], "correlation_id": "c1"}, "BAD_REQUEST", "Bad value: order_lines[0].total_tax_amount"),
        (404, {"error_code": "TOKEN_NOT_FOUND", "error_messages": ["Token not found"], "correlation_id": "c2"}, "TOKEN_NOT_FOUND", "Token not found"),
        (409, {"error_code": "CONFLICT", "error_messages": [], "correlation_id": "c3"}, "CONFLICT", "CONFLICT"),
        (403, {"error_code": "NOT_ALLOWED"}, "NOT_ALLOWED", "NOT_ALLOWED"),
        (401, None, "HTTP 401", "HTTP 401"),
    ],
)
@responses.activate
def test_other_client_errors_are_refusals(status, body, code, message):
    responses.post(CHARGE_URL, status=status, **({"json": body} if body else {"body": ""}))
    with pytest.raises(ProviderRefused) as raised:
        charge()
    assert (raised.value.code, raised.value.message) == (code, message)
    assert raised.value.details["httpStatus"] == status


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "json": {"error_code": "INTERNAL_SERVER_ERROR"}},
        {"status": 503, "json": {"error_code": "SERVICE_UNAVAILABLE"}},
        {"status": 200, "body": "<html>maintenance</html>"},
        {"status": 200, "json": {"fraud_status": "ACCEPTED"}},
        {"body": requests.ConnectionError("refused")},
    ],
)
@responses.activate
def test_failures_are_unavailability(answer):
    responses.post(CHARGE_URL, **answer)
    with pytest.raises(ProviderUnavailable):
        charge()


def test_no_call_once_the_deadline_passed():
    with pytest.raises(ProviderUnavailable, match="deadline"):
        KustomClient(CONFIG).create_order(TOKEN, dict(ORDER), "idem-1", Deadline(0))


@responses.activate
def test_reading_an_order():
    responses.get(ORDER_URL, json=managed_order("p1"))
    assert KustomClient(CONFIG).read_order("ord-1", Deadline(5))["merchant_reference1"] == "p1"
    assert responses.calls[0].request.headers["Authorization"] == "Basic kco_test_api_unit-key"


@responses.activate
def test_an_unknown_order_reads_as_none_and_failures_as_unavailability():
    responses.get(ORDER_URL, status=404, json={"error_code": "NO_SUCH_ORDER"})
    responses.get("https://kustom.example.test/ordermanagement/v1/orders/ord-2", status=503, body="")
    assert KustomClient(CONFIG).read_order("ord-1", Deadline(5)) is None
    with pytest.raises(ProviderUnavailable):
        KustomClient(CONFIG).read_order("ord-2", Deadline(5))


@responses.activate
def test_acknowledging_an_order():
    responses.post(f"{ORDER_URL}/acknowledge", status=204)
    KustomClient(CONFIG).acknowledge("ord-1", Deadline(5))
    assert responses.calls[0].request.headers["Authorization"] == "Basic kco_test_api_unit-key"
    responses.post(f"{ORDER_URL}/acknowledge", status=500)
    with pytest.raises(ProviderUnavailable):
        KustomClient(CONFIG).acknowledge("ord-1", Deadline(5))
