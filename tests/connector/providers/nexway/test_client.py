import logging

import pytest

from connector.errors import ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.providers.nexway.client import NexwayClient, NexwayConfig, OrderAlreadyCreated
from sandboxes.stack import free_port

TOKEN_PATH = "/iam/tokens"
ORDER_PATH = "/connect/order/new"
ORDER = {"partnerOrderNumber": "payment-1", "orderLines": [{"productRef": "1001"}, {"productRef": "1002"}]}
CREATED = {"responseCode": 0, "responseMessage": "OK", "orderNumber": 7001, "partnerOrderNumber": "payment-1"}


def config(base_url: str) -> NexwayConfig:
    return NexwayConfig(
        "catalog-secret-value", "client-secret-value", "reseller-realm", "nexway", "notify-password", base_url
    )


@pytest.fixture
def nexway(provider_api):
    return provider_api


@pytest.fixture
def client(nexway):
    return NexwayClient(config(nexway.url))


def issue_tokens(nexway, *tokens: str) -> None:
    for token in tokens:
        nexway.post(
            TOKEN_PATH, json={"access_token": token, "expires_in": 3600, "refresh_token": "r", "token_type": "Bearer"}
        )


def test_one_token_serves_many_calls_with_the_catalog_secret(nexway, client):
    issue_tokens(nexway, "token-1")
    nexway.post(ORDER_PATH, json=CREATED, status=201)
    client.create_order(ORDER, Deadline(5))
    client.create_order(ORDER, Deadline(5))
    [token_call] = nexway.calls_to(TOKEN_PATH)
    assert token_call.json() == {
        "clientSecret": "client-secret-value",
        "realmName": "reseller-realm",
        "grantType": "client_credentials",
    }
    for call in nexway.calls_to(ORDER_PATH):
        assert call.headers["secret"] == "catalog-secret-value"
        assert call.headers["Authorization"] == "Bearer token-1"
        assert call.json() == ORDER


def test_a_refused_token_is_replaced_once(nexway, client):
    issue_tokens(nexway, "token-1", "token-2")
    nexway.post(ORDER_PATH, status=401, json={"message": "Unauthorized"})
    nexway.post(ORDER_PATH, status=201, json=CREATED)
    assert client.create_order(ORDER, Deadline(5))["orderNumber"] == 7001
    assert [c.headers["Authorization"] for c in nexway.calls_to(ORDER_PATH)] == ["Bearer token-1", "Bearer token-2"]


def test_a_fresh_token_refused_too_is_a_configuration_refusal(nexway, client):
    issue_tokens(nexway, "token-1", "token-2")
    nexway.post(ORDER_PATH, status=401, json={"message": "Unauthorized"})
    with pytest.raises(ProviderRefused, match="configuration"):
        client.create_order(ORDER, Deadline(5))
    assert len(nexway.calls_to(ORDER_PATH)) == 2


def test_refused_iam_credentials_are_a_configuration_refusal(nexway, client, caplog):
    nexway.post(TOKEN_PATH, status=401, json={"error": "invalid_client"})
    with caplog.at_level(logging.ERROR), pytest.raises(ProviderRefused, match="IAM credentials"):
        client.create_order(ORDER, Deadline(5))
    assert "NEXWAY_CLIENT_SECRET" in caplog.text and "client-secret-value" not in caplog.text
    assert nexway.calls_to(ORDER_PATH) == []


@pytest.mark.parametrize(
    "answer", [{"json": {"access_token": "t"}}, {"json": {"access_token": "", "expires_in": 60}}, {"status": 503}]
)
def test_an_unusable_token_answer_is_unavailability(nexway, client, answer):
    nexway.post(TOKEN_PATH, **answer)
    with pytest.raises(ProviderUnavailable):
        client.create_order(ORDER, Deadline(5))


@pytest.mark.parametrize("code", [0, 1060, 1061])
def test_accepted_codes_return_the_answer(nexway, client, code):
    issue_tokens(nexway, "token-1")
    nexway.post(ORDER_PATH, json={**CREATED, "responseCode": code})
    assert client.create_order(ORDER, Deadline(5))["responseCode"] == code


@pytest.mark.parametrize(
    ("code", "field"),
    [
        (130, "id"),
        (320, "sessionRequest.customer.email"),
        (321, "sessionRequest.customer.email"),
        (1048, "sessionRequest.customer.locationInvoice.province"),
    ],
)
def test_a_refused_field_is_a_refusal_with_nexways_code_and_the_field(nexway, client, code, field):
    """Nexway, not the connector, found the problem: a provider refusal (400
    InvalidOperation), not an InvalidInput the connector could have checked."""
    issue_tokens(nexway, "token-1")
    nexway.post(ORDER_PATH, json={"responseCode": code, "responseMessage": "Nexway says no"})
    with pytest.raises(ProviderRefused) as raised:
        client.create_order(ORDER, Deadline(5))
    refusal = raised.value
    assert (refusal.provider, refusal.code, refusal.message) == ("nexway", str(code), "Nexway says no")
    assert refusal.details == {"responseCode": code, "field": field}


def test_an_unknown_product_is_a_refusal_naming_its_line_and_product(nexway, client):
    issue_tokens(nexway, "token-1")
    lines = [{"productRef": 1001, "responseCode": 0}, {"productRef": 1002, "responseCode": 1020}]
    nexway.post(ORDER_PATH, json={"responseCode": 1020, "responseMessage": "Unknown product", "orderLines": lines})
    with pytest.raises(ProviderRefused) as raised:
        client.create_order(ORDER, Deadline(5))
    assert (raised.value.code, raised.value.message) == ("1020", "Unknown product")
    assert raised.value.details == {
        "responseCode": 1020,
        "field": "sessionRequest.orderLines[1].productRef",
        "productRefs": ["1002"],
    }


def test_order_already_created_names_the_existing_order(nexway, client):
    issue_tokens(nexway, "token-1")
    nexway.post(
        ORDER_PATH, json={"responseCode": 1010, "responseMessage": "Order already created", "orderNumber": 7001}
    )
    with pytest.raises(OrderAlreadyCreated) as raised:
        client.create_order(ORDER, Deadline(5))
    assert raised.value.order_number == 7001


def test_an_existing_order_is_read_back_with_both_headers(nexway, client):
    issue_tokens(nexway, "token-1")
    nexway.get("/connect/order/7001", json={**CREATED, "status": "COMPLETED"})
    assert client.get_order(7001, Deadline(5))["status"] == "COMPLETED"
    assert nexway.calls[-1].headers["secret"] == "catalog-secret-value"


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"responseCode": 1044, "responseMessage": "Product out of stock"}, "1044"),
        ({"responseCode": 1062, "responseMessage": "Order cancelled for fraud"}, "1062"),
        ({"responseCode": 1010, "responseMessage": "Order already created"}, "1010"),  # without the order's number
    ],
)
def test_other_codes_are_refusals_with_nexways_code_and_message(nexway, client, answer, code):
    issue_tokens(nexway, "token-1")
    nexway.post(ORDER_PATH, json=answer)
    with pytest.raises(ProviderRefused) as raised:
        client.create_order(ORDER, Deadline(5))
    assert (raised.value.code, raised.value.message) == (code, answer["responseMessage"])
    assert raised.value.details == {"responseCode": answer["responseCode"]}


@pytest.mark.parametrize(("code", "problem"), [(70, "missing"), (71, "invalid")])
def test_a_refused_catalog_secret_says_it_is_the_configuration(nexway, client, code, problem, caplog):
    issue_tokens(nexway, "token-1")
    nexway.post(ORDER_PATH, json={"responseCode": code, "responseMessage": "Secret error"})
    with caplog.at_level(logging.ERROR), pytest.raises(ProviderRefused) as raised:
        client.create_order(ORDER, Deadline(5))
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
    ],
)
def test_failures_are_unavailability(nexway, client, answer):
    issue_tokens(nexway, "token-1")
    nexway.post(ORDER_PATH, **answer)
    with pytest.raises(ProviderUnavailable):
        client.create_order(ORDER, Deadline(5))


def test_no_call_once_the_deadline_passed(nexway, client):
    with pytest.raises(ProviderUnavailable, match="deadline"):
        client.create_order(ORDER, Deadline(0))
    assert nexway.calls == []


def test_an_unreachable_nexway_is_unavailability():
    with pytest.raises(ProviderUnavailable, match="request failed"):
        NexwayClient(config(f"http://127.0.0.1:{free_port()}")).create_order(ORDER, Deadline(5))
