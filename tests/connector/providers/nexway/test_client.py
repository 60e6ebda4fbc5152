import json
import logging

import pytest
import requests
import responses

from connector.errors import InvalidInput, ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.providers.nexway.client import NexwayClient, NexwayConfig, OrderAlreadyCreated

BASE = "https://nexway.example.test"
CONFIG = NexwayConfig("catalog-secret-value", "client-secret-value", "reseller-realm", "nexway", "notify-password", BASE)
TOKEN_URL = f"{BASE}/iam/tokens"
ORDER_URL = f"{BASE}/connect/order/new"
ORDER = {"partnerOrderNumber": "payment-1", "orderLines": [{"productRef": "1001"}, {"productRef": "1002"}]}
CREATED = {"responseCode": 0, "responseMessage": "OK", "orderNumber": 7001, "partnerOrderNumber": "payment-1"}


def issue_tokens(*tokens: str) -> None:
    for token in tokens:
        responses.post(TOKEN_URL, json={"access_token": token, "expires_in": 3600, "refresh_token": "r", "token_type": "Bearer"})


def calls_to(url: str) -> list:
    return [call for call in responses.calls if call.request.url == url]


@responses.activate
def test_one_token_serves_many_calls_with_the_catalog_secret():
    issue_tokens("token-1")
    responses.post(ORDER_URL, json=CREATED, status=201)
    client = NexwayClient(CONFIG)
    client.create_order(ORDER, Deadline(5))
    client.create_order(ORDER, Deadline(5))
    [token_call] = calls_to(TOKEN_URL)
    assert json.loads(token_call.request.body) == {"clientSecret": "client-secret-value", "realmName": "reseller-realm", "grantType": "client_credentials"}
    for call in calls_to(ORDER_URL):
        assert call.request.headers["secret"] == "catalog-secret-value"
        assert call.request.headers["Authorization"] == "Bearer token-1"
        assert json.loads(call.request.body) == ORDER


@responses.activate
def test_a_refused_token_is_replaced_once():
    issue_tokens("token-1", "token-2")
    responses.post(ORDER_URL, status=401, json={"message": "Unauthorized"})
    responses.post(ORDER_URL, status=201, json=CREATED)
    assert NexwayClient(CONFIG).create_order(ORDER, Deadline(5))["orderNumber"] == 7001
    assert [c.request.headers["Authorization"] for c in calls_to(ORDER_URL)] == ["Bearer token-1", "Bearer token-2"]


@responses.activate
def test_a_fresh_token_refused_too_is_a_configuration_refusal():
    issue_tokens("token-1", "token-2")
    responses.post(ORDER_URL, status=401, json={"message": "Unauthorized"})
    with pytest.raises(ProviderRefused, match="configuration"):
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))
    assert len(calls_to(ORDER_URL)) == 2


@responses.activate
def test_refused_iam_credentials_are_a_configuration_refusal(caplog):
    responses.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with caplog.at_level(logging.ERROR), pytest.raises(ProviderRefused, match="IAM credentials"):
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))
    assert "NEXWAY_CLIENT_SECRET" in caplog.text and "client-secret-value" not in caplog.text
    assert calls_to(ORDER_URL) == []


@pytest.mark.parametrize("answer", [{"json": {"access_token": "t"}}, {"json": {"access_token": "", "expires_in": 60}}, {"status": 503}])
@responses.activate
def test_an_unusable_token_answer_is_unavailability(answer):
    responses.post(TOKEN_URL, **answer)
    with pytest.raises(ProviderUnavailable):
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))


@pytest.mark.parametrize("code", [0, 1060, 1061])
@responses.activate
def test_accepted_codes_return_the_answer(code):
    issue_tokens("token-1")
    responses.post(ORDER_URL, json={**CREATED, "responseCode": code})
    assert NexwayClient(CONFIG).create_order(ORDER, Deadline(5))["responseCode"] == code


@pytest.mark.parametrize(
    ("code", "field"),
    [
        (130, "id"),
        (320, "sessionRequest.customer.email"),
        (321, "sessionRequest.customer.email"),
        (1048, "sessionRequest.customer.locationInvoice.province"),
    ],
)
@responses.activate
def test_field_errors_name_the_field(code, field):
    issue_tokens("token-1")
    responses.post(ORDER_URL, json={"responseCode": code, "responseMessage": "Nexway says no"})
    with pytest.raises(InvalidInput) as raised:
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))
    [error] = raised.value.errors
    assert error.field == field
    assert "Nexway says no" in error.message and str(code) in error.message


@responses.activate
def test_an_unknown_product_names_its_line():
    issue_tokens("token-1")
    lines = [{"productRef": 1001, "responseCode": 0}, {"productRef": 1002, "responseCode": 1020}]
    responses.post(ORDER_URL, json={"responseCode": 1020, "responseMessage": "Unknown product", "orderLines": lines})
    with pytest.raises(InvalidInput) as raised:
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))
    assert raised.value.errors[0].field == "sessionRequest.orderLines[1].productRef"


@responses.activate
def test_order_already_created_names_the_existing_order():
    issue_tokens("token-1")
    responses.post(ORDER_URL, json={"responseCode": 1010, "responseMessage": "Order already created", "orderNumber": 7001})
    with pytest.raises(OrderAlreadyCreated) as raised:
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))
    assert raised.value.order_number == 7001


@responses.activate
def test_an_existing_order_is_read_back_with_both_headers():
    issue_tokens("token-1")
    responses.get(f"{BASE}/connect/order/7001", json={**CREATED, "status": "COMPLETED"})
    assert NexwayClient(CONFIG).get_order(7001, Deadline(5))["status"] == "COMPLETED"
    assert responses.calls[-1].request.headers["secret"] == "catalog-secret-value"


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"responseCode": 1044, "responseMessage": "Product out of stock"}, "1044"),
        ({"responseCode": 1062, "responseMessage": "Order cancelled for fraud"}, "1062"),
        ({"responseCode": 1010, "responseMessage": "Order already created"}, "1010"),  # without the order's number
    ],
)
@responses.activate
def test_other_codes_are_refusals_with_nexways_code_and_message(answer, code):
    issue_tokens("token-1")
    responses.post(ORDER_URL, json=answer)
    with pytest.raises(ProviderRefused) as raised:
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))
    assert (raised.value.code, raised.value.message) == (code, answer["responseMessage"])
    assert raised.value.details == {"responseCode": answer["responseCode"]}


@pytest.mark.parametrize(("code", "problem"), [(70, "missing"), (71, "invalid")])
@responses.activate
def test_a_refused_catalog_secret_says_it_is_the_configuration(code, problem, caplog):
    issue_tokens("token-1")
    responses.post(ORDER_URL, json={"responseCode": code, "responseMessage": "Secret error"})
    with caplog.at_level(logging.ERROR), pytest.raises(ProviderRefused) as raised:
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))
    assert raised.value.code == str(code)
    assert f"catalog secret is {problem}" in raised.value.message
    assert "NEXWAY_SECRET" in caplog.text and "catalog-secret-value" not in caplog.text


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "json": {"responseCode": 500}},
        {"status": 201, "body": "<html>maintenance</html>"},
        {"status": 200, "json": ["not", "an", "object"]},
        {"status": 200, "json": {"responseMessage": "no code"}},
        {"status": 201, "json": {"responseCode": 0, "responseMessage": "OK"}},  # no orderNumber
        {"body": requests.ConnectionError("refused")},
    ],
)
@responses.activate
def test_failures_are_unavailability(answer):
    issue_tokens("token-1")
    responses.post(ORDER_URL, **answer)
    with pytest.raises(ProviderUnavailable):
        NexwayClient(CONFIG).create_order(ORDER, Deadline(5))


def test_no_call_once_the_deadline_passed():
    with pytest.raises(ProviderUnavailable, match="deadline"):
        NexwayClient(CONFIG).create_order(ORDER, Deadline(0))
