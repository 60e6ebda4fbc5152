import base64
import json

import pytest
from werkzeug import Response

from connector.errors import ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.providers.paynova.client import ModificationRequest, PaynovaClient, PaynovaConfig
from sandboxes.stack import free_port
from tests.connector.providers.paynova.paynova_api import CREATE, INITIALIZE, ORDER_ID, SUCCESS

VALIDATION_ERROR = {
    "isSuccess": False,
    "errorNumber": -2,
    "statusKey": "VALIDATION_ERROR",
    "statusMessage": "The request contained one or more validation errors.",
    "errors": [{"errorCode": "NotEmpty", "fieldName": "BillTo.Address.CountryCode", "message": "must not be empty"}],
    "exceptionDetails": None,
}


@pytest.fixture
def client(httpserver):
    return PaynovaClient(
        PaynovaConfig("4999", "api-password-value", "paynova-secret-value", httpserver.url_for("/api"))
    )


def create_order(client):
    return client.create_order({"orderNumber": "payment-1", "totalAmount": "19.99"}, Deadline(5))


def initialize_payment(client):
    return client.initialize_payment(ORDER_ID, {"totalAmount": "19.99"}, Deadline(5))


def test_create_order_sends_basic_auth_and_the_body(client, httpserver):
    httpserver.expect_request(CREATE, method="POST").respond_with_json(
        {"status": SUCCESS, "orderId": ORDER_ID}, status=201
    )
    assert create_order(client)["orderId"] == ORDER_ID
    sent = httpserver.log[0][0]
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"4999:api-password-value").decode()
    assert json.loads(sent.get_data()) == {"orderNumber": "payment-1", "totalAmount": "19.99"}


def test_initialize_payment_posts_to_the_order(client, httpserver):
    session = {"status": SUCCESS, "sessionId": "s-1", "url": "https://pay.example/s-1"}
    httpserver.expect_request(INITIALIZE, method="POST").respond_with_json(session)
    assert initialize_payment(client)["url"] == "https://pay.example/s-1"
    assert json.loads(httpserver.log[0][0].get_data()) == {"totalAmount": "19.99"}


def test_is_success_false_under_http_200_is_a_refusal_with_paynova_s_details(client, httpserver):
    httpserver.expect_request(CREATE).respond_with_json({"status": VALIDATION_ERROR, "orderId": None})
    with pytest.raises(ProviderRefused) as raised:
        create_order(client)
    refusal = raised.value
    assert (refusal.code, refusal.message) == ("-2", "The request contained one or more validation errors.")
    assert refusal.details == {"errorNumber": -2, "statusKey": "VALIDATION_ERROR", "errors": VALIDATION_ERROR["errors"]}


def test_an_unknown_order_is_a_refusal(client, httpserver):
    status = {
        "isSuccess": False,
        "errorNumber": 3000,
        "statusKey": "ORDER_NOT_FOUND",
        "statusMessage": "The specified order was not found.",
    }
    httpserver.expect_request(INITIALIZE).respond_with_json({"status": status})
    with pytest.raises(ProviderRefused) as raised:
        initialize_payment(client)
    assert (raised.value.code, raised.value.details["statusKey"], raised.value.details["errors"]) == (
        "3000",
        "ORDER_NOT_FOUND",
        [],
    )


def _response(response_json=None, response_data=None, status=200):
    if response_json is not None:
        return Response(json.dumps(response_json), status=status, content_type="application/json")
    return Response(response_data, status=status, content_type="text/html")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            {"response_json": {"status": {"isSuccess": False, "errorNumber": -1, "statusKey": "INTERNAL_ERROR"}}},
            "INTERNAL_ERROR",
        ),
        (
            {
                "response_json": {"status": {"isSuccess": False, "errorNumber": -3, "statusKey": "HTTP_401"}},
                "status": 401,
            },
            "401",
        ),
        ({"response_data": "malformed", "status": 500}, "HTTP 500"),
        ({"response_data": "<html>maintenance</html>"}, "status object"),
        ({"response_json": ["not", "an", "object"]}, "status object"),
        ({"response_json": {"orderId": ORDER_ID}}, "status object"),
        ({"response_json": {"status": SUCCESS}}, "without orderId"),
    ],
)
def test_failures_are_unavailability(client, httpserver, answer, reason):
    httpserver.expect_request(CREATE).respond_with_response(_response(**answer))
    with pytest.raises(ProviderUnavailable, match=reason):
        create_order(client)


def test_a_session_answer_needs_session_id_and_url(client, httpserver):
    httpserver.expect_request(INITIALIZE).respond_with_json({"status": SUCCESS, "sessionId": "s-1"})
    with pytest.raises(ProviderUnavailable, match="url"):
        initialize_payment(client)


# Alike in shape to Nuvei's client tests, on purpose: each client, with its own calls, fails the same way.
def test_an_unreachable_paynova_is_unavailability():
    closed = PaynovaClient(PaynovaConfig("4999", "p", "k", f"http://127.0.0.1:{free_port()}/api"))
    with pytest.raises(ProviderUnavailable, match="request failed"):
        create_order(closed)


def test_no_call_once_the_deadline_passed(client):
    with pytest.raises(ProviderUnavailable, match="deadline"):
        client.create_order({}, Deadline(0))


FINALIZE = f"/api/orders/{ORDER_ID}/transactions/201405281543270574/finalize/10.00"


def finalize(client, transaction_id="201405281543270574"):
    request = ModificationRequest("finalize", ORDER_ID, transaction_id, "10.00", {"invoiceId": "ct-1"})
    return client.modify(request, Deadline(5))


def test_a_modification_posts_to_the_transaction_with_the_amount_in_the_path(client, httpserver):
    answer = {"status": SUCCESS, "transactionId": "301", "totalAmountFinalized": 10.0}
    httpserver.expect_request(FINALIZE, method="POST").respond_with_json(answer)
    assert finalize(client) == answer
    sent = httpserver.log[0][0]
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"4999:api-password-value").decode()
    assert json.loads(sent.get_data()) == {"invoiceId": "ct-1"}


def test_a_transaction_id_is_one_path_segment(client, httpserver):
    httpserver.expect_request(f"/api/orders/{ORDER_ID}/transactions/a/b/finalize/10.00").respond_with_json(
        {"status": SUCCESS}
    )
    assert finalize(client, "a/b") == {"status": SUCCESS}
    assert "/transactions/a%2Fb/finalize/" in httpserver.log[0][0].environ["RAW_URI"]


@pytest.mark.parametrize("number", [-1, -2, 3020])
def test_a_modification_s_refusal_is_answered_for_the_operation_to_read(client, httpserver, number):
    """What a refusal means depends on the operation (an annul's "already annulled" is
    done), so the client hands every answer with a status object back."""
    refused = {"status": {"isSuccess": False, "errorNumber": number, "statusKey": "X", "statusMessage": "no"}}
    httpserver.expect_request(FINALIZE).respond_with_json(refused)
    assert finalize(client) == refused


@pytest.mark.parametrize(
    "answer",
    [{"response_data": "busy", "status": 503}, {"response_json": {"transactionId": "301"}}, {"response_data": "x"}],
)
def test_a_modification_without_paynova_s_answer_is_unavailability(client, httpserver, answer):
    httpserver.expect_request(FINALIZE).respond_with_response(_response(**answer))
    with pytest.raises(ProviderUnavailable):
        finalize(client)
