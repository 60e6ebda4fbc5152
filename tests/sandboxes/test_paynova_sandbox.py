"""The Paynova sandbox refuses what Paynova refuses; a sandbox that accepts anything
would prove nothing about the connector."""

import hashlib
from urllib.parse import parse_qsl

import pytest

from sandboxes import paynova
from tests.factories import paynova_session_request

SECRET = "sandbox-secret"
AUTH = ("4999", "sandbox-password")
CALLBACK = "http://127.0.0.1:1/notifications/paynova"


@pytest.fixture
def sandbox():
    return paynova.create_app("4999", "sandbox-password", SECRET).test_client()


def order_body(total="19.99", **overrides):
    request = paynova_session_request(total)
    del request["interfaceOptions"]
    return {"orderNumber": "payment-0001", "currencyCode": "EUR", "totalAmount": total, **request, **overrides}


def session_body(**overrides):
    options = {**paynova_session_request()["interfaceOptions"], "interfaceId": 5, "urlCallback": CALLBACK}
    return {"totalAmount": "19.99", "paymentChannelId": 1, "interfaceOptions": options, **overrides}


def create_order(sandbox, body, auth=AUTH):
    return sandbox.post("/api/orders/create", json=body, auth=auth)


def new_session(sandbox, **overrides):
    order_id = create_order(sandbox, order_body()).json["orderId"]
    answer = sandbox.post(f"/api/orders/{order_id}/initializePayment", json=session_body(**overrides), auth=AUTH)
    return order_id, answer


def refused_fields(answer) -> set[str]:
    assert answer.status_code == 200  # Paynova answers refusals with HTTP 200
    status = answer.json["status"]
    assert (status["isSuccess"], status["errorNumber"], status["statusKey"]) == (False, -2, "VALIDATION_ERROR")
    return {error["fieldName"] for error in status["errors"]}


def test_an_order_and_its_session(sandbox):
    created = create_order(sandbox, order_body())
    assert created.status_code == 201
    assert created.json["status"]["isSuccess"] is True
    answer = sandbox.post(f"/api/orders/{created.json['orderId']}/initializePayment", json=session_body(), auth=AUTH)
    assert answer.json["status"]["statusKey"] == "SUCCESS"
    assert answer.json["url"].endswith(f"/aero/{answer.json['sessionId']}")
    assert sandbox.get(f"/aero/{answer.json['sessionId']}").status_code == 200
    [order] = sandbox.get("/_sandbox/orders", query_string={"orderNumber": "payment-0001"}).json["orders"]
    assert [s["sessionId"] for s in order["sessions"]] == [answer.json["sessionId"]]
    assert sandbox.get("/_sandbox/issued").json == {"issued": [answer.json["sessionId"]]}


@pytest.mark.parametrize("auth", [None, ("4999", "wrong"), ("5000", "sandbox-password")])
def test_wrong_credentials_are_refused_with_401(sandbox, auth):
    answer = create_order(sandbox, order_body(), auth=auth)
    assert answer.status_code == 401
    assert (answer.json["status"]["errorNumber"], answer.json["status"]["statusKey"]) == (-3, "HTTP_401")


def test_a_body_that_is_not_json_is_a_500(sandbox):
    answer = sandbox.post("/api/orders/create", data="orderNumber=1", auth=AUTH)
    assert answer.status_code == 500 and answer.json["status"]["isSuccess"] is False


def off_by_a_line():
    body = order_body()
    body["lineItems"][0]["totalLineAmount"] = "19.50"
    return body


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (order_body(totalAmount="19.999"), {"totalAmount"}),
        (order_body(total="1000.50", currencyCode="JPY"), {"totalAmount"}),  # JPY: whole numbers only
        (order_body(total="1.500", currencyCode="KWD"), {"currencyCode"}),
        (order_body(currencyCode="XTS"), {"currencyCode"}),
        (order_body(orderNumber="abc"), {"orderNumber"}),
        (order_body(totalAmount="29.99"), {"totalAmount"}),  # not the lines' sum
        (off_by_a_line(), {"lineItems[0].totalLineAmount"}),
        (order_body(lineItems=[]), {"lineItems"}),
        (order_body(billTo={"name": {"firstName": "Sven"}}), {"billTo.address.countryCode"}),
        (order_body(customer={"emailAddress": "not-an-email"}), {"customer.emailAddress"}),
        (order_body(purchaseReference="x" * 31, merchantReference=""), {"purchaseReference", "merchantReference"}),
    ],
)
def test_order_refusals(sandbox, body, fields):
    assert refused_fields(create_order(sandbox, body)) == fields


def test_a_whole_amount_in_jpy_is_accepted(sandbox):
    assert create_order(sandbox, order_body(total="1000", currencyCode="JPY")).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"totalAmount": "20.00"}, {"totalAmount"}),  # more than the order
        ({"paymentChannelId": None}, {"paymentChannelId"}),
        ({"interfaceOptions": {"interfaceId": 4, "customerLanguageCode": "sv", "urlRedirectSuccess": "ftp://x"}},
         {"interfaceOptions.interfaceId", "interfaceOptions.customerLanguageCode",
          "interfaceOptions.urlRedirectSuccess", "interfaceOptions.urlRedirectCancel"}),
    ],
)  # fmt: skip
def test_session_refusals(sandbox, overrides, fields):
    _, answer = new_session(sandbox, **overrides)
    assert refused_fields(answer) == fields


def test_an_unknown_order_is_not_found(sandbox):
    answer = sandbox.post(
        "/api/orders/00000000-0000-0000-0000-000000000000/initializePayment", json=session_body(), auth=AUTH
    )
    assert (answer.json["status"]["errorNumber"], answer.json["status"]["statusKey"]) == (3000, "ORDER_NOT_FOUND")


def test_initialize_payment_can_be_made_to_fail_once(sandbox):
    order_id = create_order(sandbox, order_body()).json["orderId"]
    sandbox.post("/_sandbox/fail-next", json={"times": 1})
    first = sandbox.post(f"/api/orders/{order_id}/initializePayment", json=session_body(), auth=AUTH)
    second = sandbox.post(f"/api/orders/{order_id}/initializePayment", json=session_body(), auth=AUTH)
    assert (first.json["status"]["errorNumber"], first.json["status"]["statusKey"]) == (-1, "INTERNAL_ERROR")
    assert second.json["status"]["isSuccess"] is True


def expected_digest(fields):
    covered = ";".join(fields[name] for name in ("EVENT_TYPE", "EVENT_TIMESTAMP", "DELIVERY_TIMESTAMP", "MERCHANT_ID"))
    return hashlib.sha1(f"{covered};{SECRET}".encode()).hexdigest().upper()


def test_a_payment_notification_carries_a_correct_digest(sandbox):
    order_id, session = new_session(sandbox)
    session_id = session.json["sessionId"]
    sent = sandbox.post(f"/_sandbox/sessions/{session_id}/payment", json={"status": "DECLINED", "deliver": False}).json
    fields = sent["notification"]
    assert fields["DIGEST"] == expected_digest(fields)
    assert (fields["EVENT_TYPE"], fields["PAYMENT_STATUS"], fields["PAYMENT_STATUS_REASON"]) == (
        "PAYMENT",
        "DECLINED",
        "DECLINED_BY_PROCESSOR",
    )
    assert (fields["ORDER_ID"], fields["ORDER_NUMBER"], fields["SESSION_ID"]) == (order_id, "payment-0001", session_id)
    assert (fields["AMOUNT"], fields["CURRENCY_CODE"], len(fields["TRANSACTION_ID"])) == ("19.99", "EUR", 18)


def test_delivery_is_retried_three_times_and_repeats_on_request(sandbox, monkeypatch):
    sent = []

    def answer_503(method, url, data, headers):
        sent.append((dict(parse_qsl(data.decode())), headers, data))
        return {"status": 503, "body": ""}

    monkeypatch.setattr(paynova, "deliver", answer_503)
    _, session = new_session(sandbox)
    options = {"status": "EXPIRED", "repeat": 2, "retryIntervalSeconds": 0}
    result = sandbox.post(f"/_sandbox/sessions/{session.json['sessionId']}/end", json=options).json
    assert [len(attempts) for attempts in result["deliveries"]] == [3, 3]
    for fields, headers, body in sent:
        assert fields["DIGEST"] == expected_digest(fields)
        assert headers["Pn-Digest"] == hashlib.sha1(body + SECRET.encode()).hexdigest().upper()
        assert (fields["EVENT_TYPE"], fields["SESSION_STATUS"]) == ("SESSION_END", "EXPIRED")
