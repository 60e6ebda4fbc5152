"""The Paynova sandbox refuses what Paynova refuses; a sandbox that accepts anything
would prove nothing about the connector."""

import hashlib
import time
from urllib.parse import parse_qsl

import pytest

from connector.providers.paynova.sandbox import app as paynova
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


# Finalize, annul and refund.


def authorized(sandbox, status="AUTHORIZED", **overrides):
    """An order whose payment Paynova authorized (the event not delivered): its orderId
    and the authorization's TRANSACTION_ID."""
    order_id, session = new_session(sandbox, **overrides)
    sandbox.post("/_sandbox/follow-ups", json={"delayMs": 0, "retryIntervalMs": 10})
    session_id = session.json["sessionId"]
    sent = sandbox.post(f"/_sandbox/sessions/{session_id}/payment", json={"status": status, "deliver": False}).json
    return order_id, sent["notification"]["TRANSACTION_ID"]


def modify(sandbox, order_id, transaction_id, operation, amount, auth=AUTH, **body):
    path = f"/api/orders/{order_id}/transactions/{transaction_id}/{operation}/{amount}"
    return sandbox.post(path, json=body, auth=auth)


def status_of(answer) -> tuple:
    assert answer.status_code == 200
    status = answer.json["status"]
    return status["isSuccess"], status["errorNumber"], status["statusKey"]


def transactions(sandbox, order_id) -> dict[str, dict]:
    [order] = [o for o in sandbox.get("/_sandbox/orders").json["orders"] if o["orderId"] == order_id]
    return {t["transactionId"]: t for t in order["transactions"]}


def test_partial_finalizes_up_to_the_authorized_amount(sandbox):
    order_id, authorization = authorized(sandbox)
    first = modify(sandbox, order_id, authorization, "finalize", "10.00", invoiceId="ct-1")
    assert status_of(first) == (True, 0, "SUCCESS")
    assert first.json["totalAmountFinalized"] == 10.0 and first.json["amountRemainingForFinalization"] == 9.99
    assert first.json["canFinalizeAgain"] is True and first.json["totalAmountPendingFinalization"] == 0
    too_much = modify(sandbox, order_id, authorization, "finalize", "10.00", invoiceId="ct-2")
    assert refused_fields(too_much) == {"totalAmount"}
    rest = modify(sandbox, order_id, authorization, "finalize", "9.99", invoiceId="ct-3")
    assert (rest.json["totalAmountFinalized"], rest.json["canFinalizeAgain"]) == (19.99, False)
    held = transactions(sandbox, order_id)
    assert held[authorization]["finalized"] == "19.99"
    assert sorted(t["amount"] for t in held.values() if t["status"] == "COMPLETED") == ["10.00", "9.99"]


def test_a_repeated_invoice_id_answers_the_first_result_and_moves_no_money(sandbox):
    order_id, authorization = authorized(sandbox)
    first = modify(sandbox, order_id, authorization, "finalize", "5.00", invoiceId="ct-1")
    again = modify(sandbox, order_id, authorization, "finalize", "5.00", invoiceId="ct-1")
    assert again.json == first.json
    assert transactions(sandbox, order_id)[authorization]["finalized"] == "5.00"
    other_amount = modify(sandbox, order_id, authorization, "finalize", "6.00", invoiceId="ct-1")
    assert refused_fields(other_amount) == {"invoiceId"}


def test_an_annulment_releases_all_that_is_left_once(sandbox):
    order_id, authorization = authorized(sandbox)
    modify(sandbox, order_id, authorization, "finalize", "10.00", invoiceId="ct-1")
    assert refused_fields(modify(sandbox, order_id, authorization, "annul", "5.00")) == {"totalAmount"}
    assert status_of(modify(sandbox, order_id, authorization, "annul", "9.99")) == (True, 0, "SUCCESS")
    assert status_of(modify(sandbox, order_id, authorization, "annul", "9.99")) == (False, 3020, "ALREADY_ANNULLED")
    late_finalize = modify(sandbox, order_id, authorization, "finalize", "9.99", invoiceId="ct-2")
    assert status_of(late_finalize) == (False, 3020, "ALREADY_ANNULLED")


def test_refunds_of_a_finalized_transaction_up_to_its_amount(sandbox):
    order_id, authorization = authorized(sandbox)
    assert status_of(modify(sandbox, order_id, authorization, "refund", "1.00", invoiceId="r-0"))[1:] == (
        3010,
        "INVALID_TRANSACTION_STATE",
    )
    finalized = modify(sandbox, order_id, authorization, "finalize", "19.99", invoiceId="ct-1").json["transactionId"]
    first = modify(sandbox, order_id, finalized, "refund", "9.99", invoiceId="r-1")
    assert (first.json["totalAmountRefunded"], first.json["amountRemainingForRefund"]) == (9.99, 10.0)
    assert modify(sandbox, order_id, finalized, "refund", "9.99", invoiceId="r-1").json == first.json
    assert refused_fields(modify(sandbox, order_id, finalized, "refund", "10.01", invoiceId="r-2")) == {"totalAmount"}
    rest = modify(sandbox, order_id, finalized, "refund", "10.00", invoiceId="r-3")
    assert (rest.json["totalAmountRefunded"], rest.json["canRefundAgain"]) == (19.99, False)
    assert first.json["transactionId"] != rest.json["transactionId"]


def test_a_sale_completed_at_checkout_can_be_refunded(sandbox):
    order_id, completed = authorized(sandbox, status="COMPLETED")
    assert status_of(modify(sandbox, order_id, completed, "refund", "19.99", invoiceId="r-1"))[0] is True
    assert status_of(modify(sandbox, order_id, completed, "finalize", "1.00", invoiceId="c-1"))[1] == 3010


@pytest.mark.parametrize(
    ("order", "transaction", "amount", "expected"),
    [
        ("00000000-0000-0000-0000-000000000000", "auth", "1.00", (False, 3000, "ORDER_NOT_FOUND")),
        ("order", "123", "1.00", (False, 3001, "TRANSACTION_NOT_FOUND")),
        ("order", "auth", "1.001", (False, -2, "VALIDATION_ERROR")),
        ("order", "auth", "0", (False, -2, "VALIDATION_ERROR")),
    ],
)
def test_follow_up_refusals(sandbox, order, transaction, amount, expected):
    order_id, authorization = authorized(sandbox)
    order = order_id if order == "order" else order
    transaction = authorization if transaction == "auth" else transaction
    assert status_of(modify(sandbox, order, transaction, "finalize", amount, invoiceId="ct-1")) == expected


def test_follow_ups_need_credentials_and_a_valid_invoice_id(sandbox):
    order_id, authorization = authorized(sandbox)
    assert modify(sandbox, order_id, authorization, "finalize", "1.00", auth=("4999", "wrong")).status_code == 401
    assert refused_fields(modify(sandbox, order_id, authorization, "finalize", "1.00", invoiceId="x" * 51)) == {
        "invoiceId"
    }
    assert transactions(sandbox, order_id)[authorization]["finalized"] == "0"


def test_a_follow_up_can_be_made_to_fail_with_a_chosen_refusal(sandbox):
    order_id, authorization = authorized(sandbox)
    sandbox.post(
        "/_sandbox/fail-next",
        json={"operation": "finalize", "errorNumber": 3100, "statusKey": "DECLINED", "statusMessage": "Declined."},
    )
    assert status_of(modify(sandbox, order_id, authorization, "finalize", "1.00", invoiceId="ct-1")) == (
        False,
        3100,
        "DECLINED",
    )
    assert status_of(modify(sandbox, order_id, authorization, "finalize", "1.00", invoiceId="ct-1"))[0] is True


def test_finalize_and_annul_are_followed_by_signed_payment_events(httpserver):
    sandbox = paynova.create_app("4999", "sandbox-password", SECRET).test_client()
    httpserver.expect_request("/notifications/paynova", method="POST").respond_with_data("", status=204)
    callback = httpserver.url_for("/notifications/paynova")
    options = {**paynova_session_request()["interfaceOptions"], "interfaceId": 5, "urlCallback": callback}
    order_id, authorization = authorized(sandbox, interfaceOptions=options)
    finalized = modify(sandbox, order_id, authorization, "finalize", "10.00", invoiceId="ct-1").json
    modify(sandbox, order_id, authorization, "annul", "9.99")
    follow_ups = wait_for_follow_ups(sandbox, 2)
    events = [dict(parse_qsl(request.get_data().decode())) for request, _ in httpserver.log]
    # Each follow-up is delivered on its own, so they may arrive in either order.
    assert sorted((e["PAYMENT_STATUS"], e["AMOUNT"], e["TRANSACTION_ID"]) for e in events) == [
        ("CANCELLED", "9.99", authorization),
        ("COMPLETED", "10.00", finalized["transactionId"]),
    ]
    for request, _ in httpserver.log:
        fields = dict(parse_qsl(request.get_data().decode()))
        assert fields["DIGEST"] == expected_digest(fields)
        assert request.headers["Pn-Digest"] == hashlib.sha1(request.get_data() + SECRET.encode()).hexdigest().upper()
    assert [f["attempts"][0]["status"] for f in follow_ups] == [204, 204]


def test_a_dropped_follow_up_changes_the_state_and_tells_no_one(httpserver):
    sandbox = paynova.create_app("4999", "sandbox-password", SECRET).test_client()
    callback = httpserver.url_for("/notifications/paynova")
    options = {**paynova_session_request()["interfaceOptions"], "interfaceId": 5, "urlCallback": callback}
    order_id, authorization = authorized(sandbox, interfaceOptions=options)
    sandbox.post("/_sandbox/follow-ups", json={"drop": 1})
    assert status_of(modify(sandbox, order_id, authorization, "annul", "19.99"))[0] is True
    [dropped] = sandbox.get("/_sandbox/follow-ups").json["followUps"]
    assert (dropped["state"], dropped["about"]["PAYMENT_STATUS"], dropped["attempts"]) == ("dropped", "CANCELLED", [])
    assert httpserver.log == []
    assert transactions(sandbox, order_id)[authorization]["annulled"] == "19.99"


def wait_for_follow_ups(sandbox, count: int) -> list[dict]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        listed = sandbox.get("/_sandbox/follow-ups").json["followUps"]
        if len(listed) == count and all(f["state"] == "done" for f in listed):
            return listed
        time.sleep(0.02)
    raise AssertionError(f"follow-ups not delivered: {listed}")
