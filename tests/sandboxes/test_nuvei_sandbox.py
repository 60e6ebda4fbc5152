"""The Nuvei sandbox refuses what Nuvei refuses; a sandbox that accepts anything
would prove nothing about the connector."""

import hashlib

import pytest

from sandboxes import nuvei

SECRET = "sandbox-secret"


@pytest.fixture
def sandbox():
    return nuvei.create_app("m1", "s1", SECRET).test_client()


def signed(**overrides):
    body = {
        "merchantId": "m1",
        "merchantSiteId": "s1",
        "clientRequestId": "r1",
        "clientUniqueId": "payment-1",
        "amount": "19.99",
        "currency": "EUR",
        "timeStamp": "20261124133627",
        "urlDetails": {"notificationUrl": "http://127.0.0.1:1/notifications/nuvei"},
        **overrides,
    }
    fields = ("merchantId", "merchantSiteId", "clientRequestId", "amount", "currency", "timeStamp")
    body["checksum"] = hashlib.sha256(("".join(body[f] for f in fields) + SECRET).encode()).hexdigest()
    return body


def open_order(sandbox, body):
    answer = sandbox.post("/ppp/api/v1/openOrder.do", json=body)
    assert answer.status_code == 200  # Nuvei answers refusals with HTTP 200 too
    return answer.json


def test_a_valid_request_opens_an_order(sandbox):
    answer = open_order(sandbox, signed())
    assert answer["status"] == "SUCCESS" and answer["sessionToken"] and answer["orderId"]
    assert sandbox.get("/_sandbox/issued").json == {"issued": [answer["sessionToken"]]}


def test_a_client_request_id_opens_one_order_and_a_repeat_is_refused(sandbox):
    first = open_order(sandbox, signed())
    repeat = open_order(sandbox, signed(timeStamp="20261124133700"))
    assert (repeat["status"], repeat["errCode"]) == ("ERROR", 1069)
    assert "sessionToken" not in repeat
    assert [order["orderId"] for order in sandbox.get("/_sandbox/orders").json["orders"]] == [first["orderId"]]
    assert open_order(sandbox, signed(clientRequestId="r2"))["status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**signed(), "checksum": "0" * 64}, 1001),
        ({**signed(), "amount": "20.00"}, 1001),  # changed after signing
        (signed(merchantSiteId="other"), 1007),
        (signed(amount="19.999"), 1004),
        (signed(amount="0"), 1004),
        (signed(currency="XTS"), 1004),
        (signed(timeStamp="2026-11-24"), 1004),
        (signed(billingAddress={"email": "nope", "country": "DE"}), 1004),
        (signed(urlDetails={"notificationUrl": "ftp://x"}), 1004),
    ],
)
def test_refusals(sandbox, body, code):
    answer = open_order(sandbox, body)
    assert (answer["status"], answer["errCode"]) == ("ERROR", code)
    assert answer["reason"]


def test_a_dmn_carries_a_valid_checksum(sandbox):
    token = open_order(sandbox, signed())["sessionToken"]
    dmn = sandbox.post(f"/_sandbox/sessions/{token}/dmn", json={"status": "DECLINED", "deliver": False}).json["dmn"]
    expected = hashlib.sha256(
        (
            SECRET
            + dmn["totalAmount"]
            + dmn["currency"]
            + dmn["responseTimeStamp"]
            + dmn["PPP_TransactionID"]
            + dmn["Status"]
            + dmn["productId"]
        ).encode()
    ).hexdigest()
    assert dmn["advanceResponseChecksum"] == expected
    assert (dmn["Status"], dmn["ppp_status"], dmn["clientUniqueId"]) == ("DECLINED", "FAIL", "payment-1")
