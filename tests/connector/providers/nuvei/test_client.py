import json

import pytest
import requests
import responses

from connector.errors import ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.providers.nuvei.client import NuveiClient, NuveiConfig
from connector.providers.nuvei.signature import request_checksum

CONFIG = NuveiConfig("merchant-1", "site-1", "nuvei-secret-value", "https://nuvei.example.test/ppp/api/v1")
URL = "https://nuvei.example.test/ppp/api/v1/openOrder.do"
ORDER = {"clientUniqueId": "payment-1", "amount": "19.99", "currency": "EUR"}


def open_order():
    return NuveiClient(CONFIG).open_order(dict(ORDER), Deadline(5))


@responses.activate
def test_success_returns_request_and_answer():
    responses.post(URL, json={"status": "SUCCESS", "sessionToken": "tok", "orderId": "41"})
    request, answer = open_order()
    sent = json.loads(responses.calls[0].request.body)
    assert sent == request
    assert sent["merchantId"] == "merchant-1" and sent["merchantSiteId"] == "site-1"
    assert sent["checksum"] == request_checksum(sent, "nuvei-secret-value")
    assert len(sent["timeStamp"]) == 14 and sent["timeStamp"].isdigit()
    assert answer["sessionToken"] == "tok"


@responses.activate
def test_each_call_has_its_own_client_request_id():
    responses.post(URL, json={"status": "SUCCESS", "sessionToken": "tok", "orderId": "41"})
    first, _ = open_order()
    second, _ = open_order()
    assert first["clientRequestId"] != second["clientRequestId"]


@responses.activate
def test_status_error_under_http_200_is_a_refusal():
    responses.post(URL, json={"status": "ERROR", "errCode": 1001, "reason": "Invalid checksum"})
    with pytest.raises(ProviderRefused) as raised:
        open_order()
    assert raised.value.code == "1001"
    assert raised.value.message == "Invalid checksum"
    assert raised.value.details["status"] == "ERROR"


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "json": {"status": "ERROR"}},
        {"status": 200, "body": "<html>maintenance</html>"},
        {"status": 200, "json": ["not", "an", "object"]},
        {"body": requests.ConnectionError("refused")},
    ],
)
@responses.activate
def test_failures_are_unavailability(answer):
    responses.post(URL, **answer)
    with pytest.raises(ProviderUnavailable):
        open_order()


def test_no_call_once_the_deadline_passed():
    with pytest.raises(ProviderUnavailable, match="deadline"):
        NuveiClient(CONFIG).open_order(dict(ORDER), Deadline(0))
