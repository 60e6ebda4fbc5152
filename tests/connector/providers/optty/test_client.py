import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from connector.errors import ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.providers.optty.client import OpttyClient, OpttyConfig, OrderExists, ReferenceUsed, json_body
from sandboxes.stack import free_port

TOKEN_PATH = "/auth/token"
ORDERS_PATH = "/api/orders"
ORDER = {
    "orderReference": "payment-1",
    "orderAmount": Decimal("20.00"),
    "orderItems": [{"unitPrice": Decimal("10"), "quantity": 2}],
}
CREATED = {
    "orderId": "o-1",
    "orderToken": "ot-1",
    "redirectUrl": "https://checkout.example.test/o-1",
    "transactionReference": "TX-1",
}


def config(base_url: str) -> OpttyConfig:
    return OpttyConfig("client-1", "optty-secret-value", f"{base_url}/auth", f"{base_url}/api")


# The stub under Optty's name, as Nexway's client tests name theirs, so that each test reads as the provider's API.
@pytest.fixture
def optty(provider_api):
    return provider_api


@pytest.fixture
def client(optty):
    return OpttyClient(config(optty.url))


def issue_tokens(optty, *tokens):
    for token in tokens:
        optty.post(
            TOKEN_PATH, json={"access_token": token, "expires_in": 86400, "token_type": "Bearer", "scope": "api-user"}
        )


def bearers(optty) -> list[str]:
    return [call.headers["Authorization"] for call in optty.calls if call.path.startswith("/api/")]


def test_the_token_is_fetched_with_client_credentials_and_reused(optty, client):
    issue_tokens(optty, "token-1")
    optty.post(ORDERS_PATH, status=201, json=CREATED)
    optty.get(f"{ORDERS_PATH}/payment-1", json={"status": "PENDING"})
    client.create_order(ORDER, Deadline(5))
    client.get_order("payment-1", Deadline(5))
    [token_call] = optty.calls_to(TOKEN_PATH)
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_call.body.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-1"],
        "client_secret": ["optty-secret-value"],
        "scope": ["api-user"],
    }
    assert bearers(optty) == ["Bearer token-1", "Bearer token-1"]


def test_a_refused_token_is_replaced_once_transparently(optty, client):
    issue_tokens(optty, "token-1", "token-2")
    optty.post(ORDERS_PATH, status=401, json={"statusCode": 401, "message": "Unauthorized"})
    optty.post(ORDERS_PATH, status=201, json=CREATED)
    _, answer = client.create_order(ORDER, Deadline(5))
    assert answer["orderId"] == "o-1"
    assert bearers(optty) == ["Bearer token-1", "Bearer token-2"]


def test_a_fresh_token_refused_too_is_a_failure_not_a_loop(optty, client):
    issue_tokens(optty, "token-1", "token-2")
    optty.get(f"{ORDERS_PATH}/payment-1", status=401, json={"statusCode": 401, "message": "Unauthorized"})
    with pytest.raises(ProviderUnavailable, match="401"):
        client.get_order("payment-1", Deadline(5))
    assert len(bearers(optty)) == 2


def test_wrong_client_credentials_are_a_failure(optty, client):
    optty.post(TOKEN_PATH, status=401, json={"error": "invalid_client"})
    with pytest.raises(ProviderUnavailable, match="token endpoint"):
        client.create_order(ORDER, Deadline(5))


def test_amounts_go_as_json_numbers_with_their_decimals(optty, client):
    issue_tokens(optty, "token-1")
    optty.post(ORDERS_PATH, status=201, json=CREATED)
    request, _ = client.create_order(ORDER, Deadline(5))
    [sent] = optty.calls_to(ORDERS_PATH)
    assert '"orderAmount":20.00' in sent.body.decode() and '"unitPrice":10' in sent.body.decode()
    assert sent.headers["Content-Type"] == "application/json"
    assert request == sent.json()


def test_json_body_is_json():
    value = {
        "text": 'quote " and ü',
        "none": None,
        "flag": True,
        "count": 3,
        "amounts": [Decimal("0.10"), Decimal("1E+2")],
    }
    assert json.loads(json_body(value), parse_float=Decimal) == {**value, "amounts": [Decimal("0.10"), 100]}


def test_a_nestjs_validation_error_is_a_refusal_with_optty_messages(optty, client):
    issue_tokens(optty, "token-1")
    messages = ["billingAddress.country must be a valid ISO31661 Alpha2 code", "locale must be locale"]
    optty.post(ORDERS_PATH, status=400, json={"statusCode": 400, "message": messages, "error": "Bad Request"})
    with pytest.raises(ProviderRefused) as raised:
        client.create_order(ORDER, Deadline(5))
    assert raised.value.code == "400"
    assert raised.value.message == "; ".join(messages)
    assert raised.value.details == {"error": "Bad Request", "messages": messages}


def test_a_single_message_error_is_a_refusal_too(optty, client):
    issue_tokens(optty, "token-1")
    optty.post(ORDERS_PATH, status=404, json={"statusCode": 404, "message": "Merchant not found", "error": "Not Found"})
    with pytest.raises(ProviderRefused) as raised:
        client.create_order(ORDER, Deadline(5))
    assert (raised.value.code, raised.value.message) == ("404", "Merchant not found")


def test_an_order_reference_used_before_is_an_existing_order_not_a_refusal(optty, client):
    issue_tokens(optty, "token-1")
    answer = {"statusCode": 409, "message": "Order with reference payment-1 already exists", "error": "Conflict"}
    optty.post(ORDERS_PATH, status=409, json=answer)
    with pytest.raises(OrderExists) as raised:
        client.create_order(ORDER, Deadline(5))
    assert raised.value.answer == answer
    assert raised.value.request == json.loads(json_body(ORDER))


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "json": {"statusCode": 500, "message": "Internal server error"}},
        {"status": 502, "body": "<html>bad gateway</html>"},
        {"status": 201, "json": {"orderId": "o-1"}},  # no token, no redirect
        {"status": 201, "body": "created"},
    ],
)
def test_failures_are_unavailability(optty, client, answer):
    issue_tokens(optty, "token-1")
    optty.post(ORDERS_PATH, **answer)
    with pytest.raises(ProviderUnavailable):
        client.create_order(ORDER, Deadline(5))


def test_an_unreachable_optty_is_unavailability():
    with pytest.raises(ProviderUnavailable, match="request failed"):
        OpttyClient(config(f"http://127.0.0.1:{free_port()}")).create_order(ORDER, Deadline(5))


def test_an_unknown_order_reads_as_none(optty, client):
    issue_tokens(optty, "token-1")
    optty.get(f"{ORDERS_PATH}/payment/1", status=404, json={"statusCode": 404, "message": "Not found"})
    assert client.get_order("payment/1", Deadline(5)) is None
    [read] = optty.calls_to(f"{ORDERS_PATH}/payment/1")
    assert read.raw_path == f"{ORDERS_PATH}/payment%2F1"  # the reference is one path segment


def test_reading_an_order_that_fails_is_unavailability(optty, client):
    issue_tokens(optty, "token-1")
    optty.get(f"{ORDERS_PATH}/payment-1", status=503, body="down")
    with pytest.raises(ProviderUnavailable):
        client.get_order("payment-1", Deadline(5))


def test_no_call_once_the_deadline_passed(optty, client):
    with pytest.raises(ProviderUnavailable, match="deadline"):
        client.create_order(ORDER, Deadline(0))
    assert optty.calls == []


def test_calls_are_named_in_logs_and_metrics_without_the_payment_id(optty, client, caplog):
    issue_tokens(optty, "token-1")
    optty.post(ORDERS_PATH, status=201, json=CREATED)
    optty.get(f"{ORDERS_PATH}/payment-1", json={"status": "PENDING"})
    with caplog.at_level("INFO", logger="connector.provider"):
        client.create_order(ORDER, Deadline(5))
        client.get_order("payment-1", Deadline(5))
    named = [record.fields["operation"] for record in caplog.records if record.name == "connector.provider"]
    assert named == ["token", "createOrder", "getOrder"]


CAPTURE_PATH = f"{ORDERS_PATH}/payment-1/capture"


def test_a_capture_posts_its_reference_and_amount_as_a_json_number(optty, client):
    issue_tokens(optty, "token-1")
    optty.post(CAPTURE_PATH, status=201, json={"captureReference": "tx-1", "captureId": "tx-1", "capturedAmount": 10})
    answer = client.change_order(
        "payment-1", "capture", {"captureReference": "tx-1", "amount": Decimal("10.00")}, Deadline(5)
    )
    assert answer["captureId"] == "tx-1"
    [sent] = optty.calls_to(CAPTURE_PATH)
    assert sent.body == b'{"captureReference":"tx-1","amount":10.00}'
    assert sent.headers["Authorization"] == "Bearer token-1"


def test_a_repeated_reference_refused_with_409_is_told_apart(optty, client):
    issue_tokens(optty, "token-1")
    conflict = {"statusCode": 409, "message": "captureReference tx-1 already exists", "error": "Conflict"}
    optty.post(CAPTURE_PATH, status=409, json=conflict)
    with pytest.raises(ReferenceUsed) as used:
        client.change_order("payment-1", "capture", {"captureReference": "tx-1", "amount": 1}, Deadline(5))
    assert used.value.answer == conflict


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (
            {"status": 400, "json": {"statusCode": 400, "message": ["amount exceeds"], "error": "Bad Request"}},
            ProviderRefused,
        ),
        (
            {"status": 404, "json": {"statusCode": 404, "message": "Order not found", "error": "Not Found"}},
            ProviderRefused,
        ),
        ({"status": 500, "json": {"statusCode": 500, "message": "Internal server error"}}, ProviderUnavailable),
        ({"status": 201, "body": "<html>ok</html>"}, ProviderUnavailable),
    ],
)
def test_refusals_and_failures_of_a_change(optty, client, answer, raised):
    issue_tokens(optty, "token-1")
    optty.post(CAPTURE_PATH, **answer)
    with pytest.raises(raised):
        client.change_order("payment-1", "capture", {"captureReference": "tx-1", "amount": 1}, Deadline(5))
