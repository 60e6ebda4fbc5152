"""The Nuvei sandbox refuses what Nuvei refuses; a sandbox that accepts anything
would prove nothing about the connector."""

import hashlib
import time

import pytest

from connector.providers.nuvei.sandbox import app as nuvei

SECRET = "sandbox-secret"


@pytest.fixture
def sandbox():
    return nuvei.create_app("m1", "s1", SECRET).test_client()


# Alike in shape to test_mapping's dmn(), by chance: this is an API request to the sandbox, that a DMN.
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


# -- settle, refund, void and getTransactionDetails.do

MODIFICATION_FIELDS = (
    "merchantId", "merchantSiteId", "clientRequestId", "clientUniqueId", "amount", "currency",
    "relatedTransactionId", "authCode", "comment", "urlDetails", "timeStamp",
)  # fmt: skip
DETAILS_FIELDS = ("merchantId", "merchantSiteId", "clientRequestId", "transactionId", "clientUniqueId", "timeStamp")


def sign(body: dict, fields: tuple[str, ...]) -> dict:
    body = {"merchantId": "m1", "merchantSiteId": "s1", "timeStamp": "20261124133627", **body}
    body["checksum"] = hashlib.sha256(("".join(body.get(f) or "" for f in fields) + SECRET).encode()).hexdigest()
    return body


def authorized(sandbox, notification_url: str | None = None) -> dict:
    """An order in which the shopper's Auth of 19.99 EUR was approved; its DMN lost."""
    body = signed(urlDetails={"notificationUrl": notification_url} if notification_url else {})
    token = open_order(sandbox, body)["sessionToken"]
    return sandbox.post(f"/_sandbox/sessions/{token}/dmn", json={"deliver": False}).json["dmn"]


def modify(sandbox, method: str, auth: dict, amount: str, request_id: str, **fields) -> dict:
    body = {
        "clientRequestId": request_id,
        "clientUniqueId": auth["clientUniqueId"],
        "amount": amount,
        "currency": "EUR",
        "relatedTransactionId": auth["TransactionID"],
        **fields,
    }
    answer = sandbox.post(f"/ppp/api/v1/{method}", json=sign(body, MODIFICATION_FIELDS))
    assert answer.status_code == 200
    return answer.json


def details(sandbox, request_id: str, **lookup) -> dict:
    answer = sandbox.post(
        "/ppp/api/v1/getTransactionDetails.do", json=sign({"clientRequestId": request_id, **lookup}, DETAILS_FIELDS)
    )
    assert answer.status_code == 200
    return answer.json


def test_partial_settles_are_approved_until_the_auth_is_used_up(sandbox):
    auth = authorized(sandbox)
    first = modify(sandbox, "settleTransaction.do", auth, "10.00", "ct-1", authCode=auth["AuthCode"])
    second = modify(sandbox, "settleTransaction.do", auth, "9.99", "ct-2")
    beyond = modify(sandbox, "settleTransaction.do", auth, "0.01", "ct-3")
    assert [a["transactionStatus"] for a in (first, second, beyond)] == ["APPROVED", "APPROVED", "ERROR"]
    assert first["status"] == beyond["status"] == "SUCCESS"
    assert (beyond["gwErrorCode"], beyond["gwErrorReason"]) == (
        -1100,
        "Settle amount exceeds the 0.00 left of the authorization",
    )
    assert first["transactionType"] == "Settle" and first["transactionId"] != second["transactionId"]


def test_a_repeated_client_request_id_moves_no_money(sandbox):
    auth = authorized(sandbox)
    first = modify(sandbox, "settleTransaction.do", auth, "5.00", "ct-1")
    repeat = modify(sandbox, "settleTransaction.do", auth, "5.00", "ct-1", timeStamp="20261124133700")
    assert (repeat["status"], repeat["errCode"]) == ("ERROR", 1069)
    settles = sandbox.get("/_sandbox/transactions", query_string={"transactionType": "Settle"}).json["transactions"]
    assert [s["transactionId"] for s in settles] == [first["transactionId"]]


def test_a_refund_is_held_to_what_its_settle_took(sandbox):
    auth = authorized(sandbox)
    settle = modify(sandbox, "settleTransaction.do", auth, "10.00", "ct-1")
    settled = {"TransactionID": settle["transactionId"], "clientUniqueId": auth["clientUniqueId"]}
    refunds = [
        modify(sandbox, "refundTransaction.do", settled, amount, f"ct-r{n}")
        for n, amount in enumerate(("6.00", "4.00", "0.01"))
    ]
    assert [r["transactionStatus"] for r in refunds] == ["APPROVED", "APPROVED", "ERROR"]
    assert refunds[0]["transactionType"] == "Credit"
    assert "Credit amount exceeds" in refunds[2]["gwErrorReason"]
    of_the_auth = modify(sandbox, "refundTransaction.do", auth, "1.00", "ct-r9")
    assert (of_the_auth["transactionStatus"], of_the_auth["gwErrorReason"]) == ("ERROR", "a Auth cannot be refunded")


def test_a_void_releases_part_of_the_auth_never_more_than_is_left(sandbox):
    auth = authorized(sandbox)
    void = modify(sandbox, "voidTransaction.do", auth, "9.99", "ct-v1")
    assert (void["transactionStatus"], void["transactionType"]) == ("APPROVED", "Void")
    assert modify(sandbox, "settleTransaction.do", auth, "10.01", "ct-1")["transactionStatus"] == "ERROR"
    assert modify(sandbox, "settleTransaction.do", auth, "5.00", "ct-2")["transactionStatus"] == "APPROVED"
    too_much = modify(sandbox, "voidTransaction.do", auth, "5.01", "ct-v2")
    assert (too_much["transactionStatus"], too_much["gwErrorReason"]) == (
        "ERROR",
        "Void amount exceeds the 5.00 authorized and not settled",
    )
    rest = modify(sandbox, "voidTransaction.do", auth, "5.00", "ct-v3")  # after a settle, what is left
    assert rest["transactionStatus"] == "APPROVED"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"checksum": "0" * 64}, 1001),
        ({"merchantSiteId": "s2"}, 1007),
        ({"amount": "1.001"}, 1004),
        ({"relatedTransactionId": "404"}, 1140),
        ({"urlDetails": {"notificationUrl": "http://x"}}, 1004),
    ],
)
def test_modification_refusals(sandbox, change, code):
    auth = authorized(sandbox)
    body = sign(
        {
            "clientRequestId": "ct-1",
            "clientUniqueId": "payment-1",
            "amount": "1.00",
            "currency": "EUR",
            "relatedTransactionId": auth["TransactionID"],
        },
        MODIFICATION_FIELDS,
    )
    body.update(change)
    if "checksum" not in change and "urlDetails" not in change:
        body = sign({k: v for k, v in body.items() if k != "checksum"}, MODIFICATION_FIELDS)
    answer = sandbox.post("/ppp/api/v1/settleTransaction.do", json=body).json
    assert (answer["status"], answer["errCode"]) == ("ERROR", code)


def test_another_auth_code_is_refused(sandbox):
    auth = authorized(sandbox)
    answer = modify(sandbox, "settleTransaction.do", auth, "1.00", "ct-1", authCode="000000")
    assert (answer["transactionStatus"], answer["gwErrorReason"]) == (
        "ERROR",
        "authCode does not match the related transaction",
    )


def test_declines_are_selectable(sandbox):
    auth = authorized(sandbox)
    sandbox.post("/_sandbox/declines", json={"status": "DECLINED", "operation": "settle"})
    declined = modify(sandbox, "settleTransaction.do", auth, "1.00", "ct-1")
    assert (declined["transactionStatus"], declined["gwErrorCode"], declined["gwErrorReason"]) == (
        "DECLINED",
        -1,
        "Decline",
    )
    sandbox.post("/_sandbox/declines", json={"status": "PENDING"})
    pending = modify(sandbox, "settleTransaction.do", auth, "1.00", "ct-2")
    assert pending["transactionStatus"] == "PENDING"
    assert modify(sandbox, "settleTransaction.do", auth, "1.00", "ct-3")["transactionStatus"] == "APPROVED"
    settled = sandbox.post(f"/_sandbox/transactions/{pending['transactionId']}/status", json={"deliver": False})
    assert settled.json["transaction"]["transactionStatus"] == "APPROVED"


def test_transactions_are_read_back_by_id_and_the_latest_by_client_unique_id(sandbox):
    auth = authorized(sandbox)
    settle = modify(sandbox, "settleTransaction.do", auth, "1.00", "ct-1")
    by_id = details(sandbox, "read-1", transactionId=auth["TransactionID"])
    assert by_id["status"] == "SUCCESS"
    assert by_id["transactionDetails"] == {
        "transactionId": auth["TransactionID"],
        "transactionType": "Auth",
        "transactionStatus": "APPROVED",
        "clientUniqueId": "payment-1",
        "authCode": auth["AuthCode"],
        "relatedTransactionId": "",
    }
    latest = details(sandbox, "read-2", clientUniqueId="payment-1")["transactionDetails"]
    assert (latest["transactionId"], latest["relatedTransactionId"], latest["authCode"]) == (
        settle["transactionId"],
        auth["TransactionID"],
        auth["AuthCode"],
    )
    unknown = details(sandbox, "read-3", transactionId="404")
    assert (unknown["status"], unknown["errCode"]) == ("ERROR", 1140)
    assert details(sandbox, "read-3", transactionId=auth["TransactionID"])["errCode"] == 1069  # a repeat
    assert details(sandbox, "read-4")["errCode"] == 1004  # neither id nor reference


def test_an_outage_answers_every_api_call_and_changes_nothing(sandbox):
    auth = authorized(sandbox)
    sandbox.post("/_sandbox/outage", json={"status": 503})
    body = sign({"clientRequestId": "read-1", "transactionId": auth["TransactionID"]}, DETAILS_FIELDS)
    assert sandbox.post("/ppp/api/v1/getTransactionDetails.do", json=body).status_code == 503
    assert sandbox.post("/ppp/api/v1/openOrder.do", json=signed(clientRequestId="r9")).status_code == 503
    sandbox.post("/_sandbox/outage", json={"status": None})
    assert details(sandbox, "read-1", transactionId=auth["TransactionID"])["status"] == "SUCCESS"


def test_a_modification_s_dmn_follows_with_a_valid_checksum_unless_lost(sandbox, httpserver):
    httpserver.expect_request("/notifications/nuvei", method="POST").respond_with_json({"status": "applied"})
    auth = authorized(sandbox, httpserver.url_for("/notifications/nuvei"))
    settle = modify(sandbox, "settleTransaction.do", auth, "10.00", "ct-1")
    sandbox.post("/_sandbox/lose-notifications", json={"count": 1})
    refund = modify(sandbox, "refundTransaction.do", {**auth, "TransactionID": settle["transactionId"]}, "1.00", "ct-2")
    deadline = time.monotonic() + 5
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.02)
    [(sent, _)] = httpserver.log
    dmn = sent.form.to_dict()
    assert (dmn["transactionType"], dmn["TransactionID"], dmn["relatedTransactionId"]) == (
        "Settle",
        settle["transactionId"],
        auth["TransactionID"],
    )
    assert (dmn["totalAmount"], dmn["Status"], dmn["AuthCode"]) == ("10.00", "APPROVED", auth["AuthCode"])
    expected = hashlib.sha256(
        "".join(
            [
                SECRET,
                *(
                    dmn[f]
                    for f in (
                        "totalAmount",
                        "currency",
                        "responseTimeStamp",
                        "PPP_TransactionID",
                        "Status",
                        "productId",
                    )
                ),
            ]
        ).encode()
    ).hexdigest()
    assert dmn["advanceResponseChecksum"] == expected
    sent_or_lost = sandbox.get("/_sandbox/notifications", query_string={"clientUniqueId": "payment-1"}).json
    assert [(n["dmn"]["TransactionID"], n.get("lost", False)) for n in sent_or_lost["notifications"]] == [
        (settle["transactionId"], False),
        (refund["transactionId"], True),
    ]


def notifications_when(sandbox, done, seconds: float = 5) -> list[dict]:
    deadline = time.monotonic() + seconds
    while not done(listed := sandbox.get("/_sandbox/notifications").json["notifications"]):
        assert time.monotonic() < deadline, listed
        time.sleep(0.02)
    return listed


def test_a_modification_s_dmn_is_sent_again_until_answered_200(sandbox, httpserver):
    httpserver.expect_ordered_request("/notifications/nuvei", method="POST").respond_with_data("", status=204)
    httpserver.expect_ordered_request("/notifications/nuvei", method="POST").respond_with_data("", status=200)
    auth = authorized(sandbox, httpserver.url_for("/notifications/nuvei"))
    modify(sandbox, "settleTransaction.do", auth, "10.00", "ct-1")
    [sent] = notifications_when(sandbox, lambda listed: listed and len(listed[0]["deliveries"]) == 2)
    assert [d["status"] for d in sent["deliveries"]] == [204, 200]
    time.sleep(0.3)  # longer than the next pause: no third attempt after the 200
    assert len(sandbox.get("/_sandbox/notifications").json["notifications"][0]["deliveries"]) == 2


def test_a_modification_of_a_transaction_without_notification_url_loses_its_dmn(sandbox):
    settle = modify(sandbox, "settleTransaction.do", authorized(sandbox), "10.00", "ct-1")
    [lost] = sandbox.get("/_sandbox/notifications").json["notifications"]
    assert (lost["dmn"]["TransactionID"], lost["lost"], lost["deliveries"]) == (settle["transactionId"], True, [])
