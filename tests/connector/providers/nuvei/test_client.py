import json

import pytest
from werkzeug import Response

from connector.errors import ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.providers.nuvei.client import NuveiClient, NuveiConfig
from connector.providers.nuvei.signature import OPEN_ORDER_FIELDS, checksum
from sandboxes.stack import free_port

ORDER = {"clientUniqueId": "payment-1", "amount": "19.99", "currency": "EUR"}
PATH = "/ppp/api/v1/openOrder.do"


@pytest.fixture
def client(httpserver):
    return NuveiClient(NuveiConfig("merchant-1", "site-1", "nuvei-secret-value", httpserver.url_for("/ppp/api/v1")))


def open_order(client):
    return client.open_order(dict(ORDER), Deadline(5))


def test_success_returns_request_and_answer(client, httpserver):
    httpserver.expect_request(PATH, method="POST").respond_with_json(
        {"status": "SUCCESS", "sessionToken": "tok", "orderId": "41"}
    )
    request, answer = open_order(client)
    sent = json.loads(httpserver.log[0][0].get_data())
    assert sent == request
    assert sent["merchantId"] == "merchant-1" and sent["merchantSiteId"] == "site-1"
    assert sent["checksum"] == checksum(sent, OPEN_ORDER_FIELDS, "nuvei-secret-value")
    assert len(sent["timeStamp"]) == 14 and sent["timeStamp"].isdigit()
    assert answer["sessionToken"] == "tok"


@pytest.mark.parametrize("status", ["success", "Success"])
def test_success_in_any_spelling_is_success(client, httpserver, status):
    httpserver.expect_request(PATH, method="POST").respond_with_json(
        {"status": status, "sessionToken": "tok", "orderId": "41"}
    )
    assert open_order(client)[1]["status"] == status


def test_each_call_has_its_own_client_request_id(client, httpserver):
    httpserver.expect_request(PATH, method="POST").respond_with_json(
        {"status": "SUCCESS", "sessionToken": "tok", "orderId": "41"}
    )
    first, _ = open_order(client)
    second, _ = open_order(client)
    assert first["clientRequestId"] != second["clientRequestId"]


def test_status_error_under_http_200_is_a_refusal(client, httpserver):
    httpserver.expect_request(PATH).respond_with_json(
        {"status": "ERROR", "errCode": 1001, "reason": "Invalid checksum"}
    )
    with pytest.raises(ProviderRefused) as raised:
        open_order(client)
    assert raised.value.code == "1001"
    assert raised.value.message == "Invalid checksum"
    assert raised.value.details["status"] == "ERROR"


@pytest.mark.parametrize(
    "answer",
    [
        {"response_json": {"status": "ERROR"}, "status": 500},
        {"response_data": "<html>maintenance</html>"},
        {"response_json": ["not", "an", "object"]},
        {"response_json": {"status": "SUCCESS", "orderId": "41"}},  # no session token
    ],
)
def test_failures_are_unavailability(client, httpserver, answer):
    httpserver.expect_request(PATH).respond_with_response(_response(**answer))
    with pytest.raises(ProviderUnavailable):
        open_order(client)


def _response(response_json=None, response_data=None, status=200):
    if response_json is not None:
        return Response(json.dumps(response_json), status=status, content_type="application/json")
    return Response(response_data, status=status, content_type="text/html")


def test_an_unreachable_nuvei_is_unavailability():
    closed = NuveiClient(NuveiConfig("m", "s", "k", f"http://127.0.0.1:{free_port()}/ppp/api/v1"))
    with pytest.raises(ProviderUnavailable, match="request failed"):
        open_order(closed)


def test_no_call_once_the_deadline_passed(client):
    with pytest.raises(ProviderUnavailable, match="deadline"):
        client.open_order(dict(ORDER), Deadline(0))
