"""The Kustom sandbox refuses what Kustom refuses, and keeps its idempotency promise;
a sandbox that accepts anything would prove nothing about the connector."""

import pytest

from connector.providers.kustom.sandbox import app as kustom
from tests.connector.providers.kustom.factories import BASKET_TAX, BASKET_TOTAL, CONFIRMATION_URL, basket_lines

API_KEY = "kco_test_api_sandbox-unit"
AUTH = {"Authorization": f"Basic {API_KEY}"}
PUSH = "https://notifications.example.test/notifications/kustom?order_id={checkout.order.id}"


@pytest.fixture
def sandbox():
    return kustom.create_app(API_KEY).test_client()


def new_token(sandbox, **options) -> str:
    return sandbox.post("/_sandbox/tokens", json=options).json["customer_token"]


def order_body(**overrides) -> dict:
    return {
        "purchase_currency": "EUR",
        "order_amount": BASKET_TOTAL,
        "order_tax_amount": BASKET_TAX,
        "order_lines": basket_lines(),
        "merchant_reference1": "payment-1",
        "merchant_urls": {"confirmation": CONFIRMATION_URL, "push": PUSH},
        **overrides,
    }


def charge(sandbox, token: str, body: dict | None = None, key: str | None = "key-1", headers=AUTH):
    key_header = {"Klarna-Idempotency-Key": key} if key else {}
    return sandbox.post(
        f"/customer-token/v1/tokens/{token}/order",
        json=order_body() if body is None else body,
        headers={**headers, **key_header},
    )


def with_line(index: int, **changes) -> dict:
    lines = basket_lines()
    lines[index].update(changes)
    return order_body(order_lines=lines)


def test_a_valid_charge_creates_an_order_that_order_management_reads(sandbox):
    token = new_token(sandbox)
    assert sandbox.get("/_sandbox/issued").json == {"issued": [token]}
    answer = charge(sandbox, token)
    assert answer.status_code == 200
    assert answer.json["fraud_status"] == "ACCEPTED" and answer.json["authorized_payment_method"]["type"]
    order_id = answer.json["order_id"]
    read = sandbox.get(f"/ordermanagement/v1/orders/{order_id}", headers=AUTH)
    assert read.status_code == 200
    assert {key: read.json[key] for key in ("status", "order_amount", "merchant_reference1", "purchase_currency")} == {
        "status": "AUTHORIZED", "order_amount": BASKET_TOTAL, "merchant_reference1": "payment-1", "purchase_currency": "EUR",
    }  # fmt: skip
    assert "customer_token" not in read.json
    assert sandbox.post(f"/ordermanagement/v1/orders/{order_id}/acknowledge", headers=AUTH).status_code == 204
    [stored] = sandbox.get("/_sandbox/orders", query_string={"merchant_reference1": "payment-1"}).json["orders"]
    assert stored["acknowledgements"] == 1


def test_the_redirect_url_leads_to_the_merchant_confirmation(sandbox):
    answer = charge(sandbox, new_token(sandbox)).json
    redirected = sandbox.get(answer["redirect_url"].replace("http://localhost", ""))
    assert redirected.status_code == 302
    assert redirected.headers["Location"] == CONFIRMATION_URL.replace("{checkout.order.id}", answer["order_id"])


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic wrong"}, {"Authorization": f"Bearer {API_KEY}"}])
def test_every_api_call_needs_the_api_key(sandbox, headers):
    token = new_token(sandbox)
    order_id = charge(sandbox, token).json["order_id"]
    for answer in (
        charge(sandbox, token, key="key-2", headers=headers),
        sandbox.get(f"/ordermanagement/v1/orders/{order_id}", headers=headers),
        sandbox.post(f"/ordermanagement/v1/orders/{order_id}/acknowledge", headers=headers),
    ):
        assert answer.status_code == 401
        assert answer.json["error_code"] == "UNAUTHORIZED" and answer.json["correlation_id"]
    assert len(sandbox.get("/_sandbox/orders").json["orders"]) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (with_line(2, total_tax_amount=102), "Bad value: order_lines[2].total_tax_amount"),
        (with_line(2, total_tax_amount=98), "Bad value: order_lines[2].total_tax_amount"),
        (with_line(0, total_amount=1999), "Bad value: order_lines[0].total_amount"),
        (
            with_line(1, unit_price=500, total_amount=500, total_tax_amount=100),
            "Bad value: order_lines[1].total_amount",
        ),
        (
            with_line(2, unit_price=-499, total_amount=-499, total_tax_amount=-100),
            "Bad value: order_lines[2].unit_price",
        ),
        (with_line(0, quantity=2.0), "Bad value: order_lines[0].quantity"),
        (with_line(0, type="coupon"), "Bad value: order_lines[0].type"),
        (order_body(order_amount=2000), "Bad value: order_amount"),
        (order_body(order_amount="19.99"), "Bad value: order_amount"),
        (order_body(order_tax_amount=401), "Bad value: order_tax_amount"),
        (order_body(purchase_currency="eur"), "Bad value: purchase_currency"),
        (order_body(purchase_currency=None), "Missing field(s): purchase_currency"),
        (order_body(order_lines=[]), "Bad value: order_lines"),
        (order_body(merchant_urls={"push": PUSH}), "Missing field(s): merchant_urls.confirmation"),
        (order_body(auto_capture="yes"), "Bad value: auto_capture"),
        (order_body(merchant_reference1="x" * 256), "Bad value: merchant_reference1"),
        (with_line(0, merchant_data="x" * 256), "Bad value: order_lines[0].merchant_data"),
        (with_line(0, image_url="https://shop.test/" + "x" * 1024), "Bad value: order_lines[0].image_url"),
        (with_line(1, product_identifiers={"color": "x" * 65}), "Bad value: order_lines[1].product_identifiers.color"),
        (
            with_line(0, subscription={"name": "Box", "interval": "MONTH"}),
            "Missing field(s): order_lines[0].subscription.interval_count",
        ),
        (
            with_line(0, subscription={"name": "Box", "interval": "HOUR", "interval_count": 1}),
            "Bad value: order_lines[0].subscription.interval",
        ),
        ([], "Bad value: body"),
    ],
)
def test_malformed_orders_are_bad_requests(sandbox, body, message):
    answer = charge(sandbox, new_token(sandbox), body)
    assert answer.status_code == 400
    assert answer.json["error_code"] == "BAD_REQUEST"
    assert message in answer.json["error_messages"]
    assert sandbox.get("/_sandbox/orders").json["orders"] == []


def test_tax_within_one_minor_unit_is_accepted(sandbox):
    # The shipping line's exact tax is 99.8.
    for key, tax in (("a", 99), ("b", 100)):
        lines = basket_lines()
        lines[2]["total_tax_amount"] = tax
        body = order_body(order_lines=lines, order_tax_amount=BASKET_TAX - 100 + tax)
        assert charge(sandbox, new_token(sandbox), body, key=key).status_code == 200


@pytest.mark.parametrize(
    ("token_options", "status", "code"),
    [
        (None, 404, "TOKEN_NOT_FOUND"),
        ({"state": "SUSPENDED"}, 403, "TOKEN_SUSPENDED"),
        ({"state": "CANCELLED"}, 403, "TOKEN_CANCELLED"),
        ({"payment_method_fails": True}, 403, "PAYMENT_METHOD_FAILED"),
    ],
)
def test_tokens_that_cannot_pay(sandbox, token_options, status, code):
    token = "00000000-0000-0000-0000-000000000000" if token_options is None else new_token(sandbox, **token_options)
    answer = charge(sandbox, token)
    assert (answer.status_code, answer.json["error_code"]) == (status, code)
    assert answer.json["error_messages"] and answer.json["correlation_id"]


def test_the_same_idempotency_key_returns_the_first_result_and_no_second_order(sandbox):
    token = new_token(sandbox)
    first = charge(sandbox, token)
    again = charge(sandbox, token, order_body(merchant_reference2="changed"))
    assert (again.status_code, again.json) == (200, first.json)
    assert len(sandbox.get("/_sandbox/orders").json["orders"]) == 1
    assert charge(sandbox, token, key="key-2").json["order_id"] != first.json["order_id"]
    replays = sandbox.get("/_sandbox/charges", query_string={"idempotency_key": "key-1"}).json["charges"]
    assert [c["replayed"] for c in replays] == [False, True]


def test_a_decline_is_remembered_but_a_bad_request_is_not(sandbox):
    declined = new_token(sandbox, state="SUSPENDED")
    assert charge(sandbox, declined, key="k-decline").status_code == 403
    assert charge(sandbox, new_token(sandbox), key="k-decline").json["error_code"] == "TOKEN_SUSPENDED"
    token = new_token(sandbox)
    assert charge(sandbox, token, order_body(order_amount=1), key="k-bad").status_code == 400
    assert charge(sandbox, token, key="k-bad").status_code == 200


@pytest.mark.parametrize(
    ("event_type", "auto_capture", "fraud_status", "status", "captured"),
    [
        ("FRAUD_RISK_ACCEPTED", False, "ACCEPTED", "AUTHORIZED", 0),
        ("FRAUD_RISK_ACCEPTED", True, "ACCEPTED", "CAPTURED", BASKET_TOTAL),
        ("FRAUD_RISK_REJECTED", False, "REJECTED", "CANCELLED", 0),
        ("FRAUD_RISK_STOPPED", True, "STOPPED", "CANCELLED", 0),
    ],
)
def test_a_fraud_decision_settles_a_pending_order(sandbox, event_type, auto_capture, fraud_status, status, captured):
    token = new_token(sandbox, fraud_status="PENDING")
    answer = charge(sandbox, token, order_body(auto_capture=auto_capture)).json
    assert answer["fraud_status"] == "PENDING"
    decided = sandbox.post(
        f"/_sandbox/orders/{answer['order_id']}/fraud-decision", json={"event_type": event_type, "deliver": False}
    )
    read = sandbox.get(f"/ordermanagement/v1/orders/{answer['order_id']}", headers=AUTH).json
    assert (read["fraud_status"], read["status"], read["captured_amount"]) == (fraud_status, status, captured)
    assert decided.json["order"]["fraud_status"] == fraud_status
    again = sandbox.post(f"/_sandbox/orders/{answer['order_id']}/fraud-decision", json={"event_type": event_type})
    assert again.status_code == 409  # only a pending order is decided


def test_pushes_and_decisions_go_to_the_push_url_with_the_order_id(sandbox, monkeypatch):
    sent = []
    monkeypatch.setattr(
        kustom, "deliver", lambda method, url, **body: sent.append((method, url, body)) or {"status": 200}
    )
    order_id = charge(sandbox, new_token(sandbox, fraud_status="PENDING")).json["order_id"]
    sandbox.post(f"/_sandbox/orders/{order_id}/push")
    sandbox.post(f"/_sandbox/orders/{order_id}/fraud-decision", json={"event_type": "FRAUD_RISK_ACCEPTED"})
    url = f"https://notifications.example.test/notifications/kustom?order_id={order_id}"
    assert sent == [
        ("POST", url, {"data": b""}),
        ("POST", url, {"json": {"order_id": order_id, "event_type": "FRAUD_RISK_ACCEPTED"}}),
    ]


# -- Order management: captures, refunds, cancellations ---------------------------------

ORDERS = "/ordermanagement/v1/orders"


def new_order(sandbox, **body) -> str:
    return charge(sandbox, new_token(sandbox), order_body(**body), key=None).json["order_id"]


def change(sandbox, order_id: str, action: str, body: dict | None = None, key: str | None = None, headers=AUTH):
    key_header = {"Klarna-Idempotency-Key": key} if key else {}
    return sandbox.post(f"{ORDERS}/{order_id}/{action}", json=body, headers={**headers, **key_header})


def read(sandbox, order_id: str) -> dict:
    return sandbox.get(f"{ORDERS}/{order_id}", headers=AUTH).json


def test_part_captures_then_a_refund_each_named_by_its_header_and_listed_on_the_order(sandbox):
    order_id = new_order(sandbox)
    first = change(sandbox, order_id, "captures", {"captured_amount": 1500, "reference": "tx-1"}, key="k1")
    assert (first.status_code, first.data) == (201, b"")
    capture_id = first.headers["Capture-Id"]
    assert first.headers["Location"] == f"http://localhost{ORDERS}/{order_id}/captures/{capture_id}"
    assert (read(sandbox, order_id)["status"], read(sandbox, order_id)["remaining_authorized_amount"]) == (
        "PART_CAPTURED",
        BASKET_TOTAL - 1500,
    )
    second = change(sandbox, order_id, "captures", {"captured_amount": BASKET_TOTAL - 1500}, key="k2")
    refunded = change(sandbox, order_id, "refunds", {"refunded_amount": 300, "reference": "tx-3"}, key="k3")
    assert refunded.status_code == 201
    order = read(sandbox, order_id)
    assert (order["status"], order["captured_amount"], order["refunded_amount"]) == ("CAPTURED", BASKET_TOTAL, 300)
    assert [(c["capture_id"], c["captured_amount"], c.get("reference")) for c in order["captures"]] == [
        (capture_id, 1500, "tx-1"),
        (second.headers["Capture-Id"], BASKET_TOTAL - 1500, None),
    ]
    assert [(r["refund_id"], r["refunded_amount"]) for r in order["refunds"]] == [(refunded.headers["Refund-Id"], 300)]
    assert sandbox.get(f"{ORDERS}/{order_id}/captures/{capture_id}", headers=AUTH).json["captured_amount"] == 1500
    assert len(sandbox.get(f"{ORDERS}/{order_id}/captures", headers=AUTH).json) == 2
    assert sandbox.get(refunded.headers["Location"].replace("http://localhost", ""), headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("setup", "action", "body", "code"),
    [
        ([], "captures", {"captured_amount": BASKET_TOTAL + 1}, "CAPTURE_NOT_ALLOWED"),
        ([("captures", {"captured_amount": 1500})], "captures", {"captured_amount": 500}, "CAPTURE_NOT_ALLOWED"),
        ([("cancel", None)], "captures", {"captured_amount": 1}, "CAPTURE_NOT_ALLOWED"),
        ([], "refunds", {"refunded_amount": 1}, "REFUND_NOT_ALLOWED"),
        ([("captures", {"captured_amount": 1000})], "refunds", {"refunded_amount": 1001}, "REFUND_NOT_ALLOWED"),
        ([("captures", {"captured_amount": 1000})], "cancel", None, "NOT_ALLOWED"),
        ([("cancel", None)], "cancel", None, "NOT_ALLOWED"),
        ([], "release-remaining-authorization", None, "NOT_ALLOWED"),
        ([("captures", {"captured_amount": BASKET_TOTAL})], "release-remaining-authorization", None, "NOT_ALLOWED"),
    ],
)
def test_never_more_captured_than_authorized_nor_refunded_than_captured(sandbox, setup, action, body, code):
    order_id = new_order(sandbox)
    for index, (done, done_body) in enumerate(setup):
        assert change(sandbox, order_id, done, done_body, key=f"setup-{index}").status_code in (201, 204)
    before = read(sandbox, order_id)
    refused = change(sandbox, order_id, action, body, key="k-refused")
    assert (refused.status_code, refused.json["error_code"]) == (403, code)
    assert refused.json["error_messages"] and refused.json["correlation_id"]
    assert read(sandbox, order_id) == before


def test_a_pending_order_is_not_captured(sandbox):
    order_id = charge(sandbox, new_token(sandbox, fraud_status="PENDING")).json["order_id"]
    assert change(sandbox, order_id, "captures", {"captured_amount": 1}).json["error_code"] == "CAPTURE_NOT_ALLOWED"


def test_cancel_ends_an_uncaptured_order_and_release_the_rest_of_a_part_captured_one(sandbox):
    cancelled = new_order(sandbox)
    assert change(sandbox, cancelled, "cancel", key="c").status_code == 204
    assert {k: read(sandbox, cancelled)[k] for k in ("status", "remaining_authorized_amount")} == {
        "status": "CANCELLED",
        "remaining_authorized_amount": 0,
    }
    released = new_order(sandbox)
    change(sandbox, released, "captures", {"captured_amount": 1000}, key="r1")
    assert change(sandbox, released, "release-remaining-authorization", key="r2").status_code == 204
    order = read(sandbox, released)
    assert (order["status"], order["captured_amount"], order["remaining_authorized_amount"]) == ("CAPTURED", 1000, 0)


def test_a_repeated_idempotency_key_answers_the_first_result_and_moves_nothing_again(sandbox):
    order_id = new_order(sandbox)
    first = change(sandbox, order_id, "captures", {"captured_amount": 1000}, key="tx-1")
    again = change(sandbox, order_id, "captures", {"captured_amount": 999}, key="tx-1")  # only the key matters
    assert (again.status_code, again.headers["Capture-Id"]) == (201, first.headers["Capture-Id"])
    assert read(sandbox, order_id)["captured_amount"] == 1000
    cancel = new_order(sandbox)
    assert [change(sandbox, cancel, "cancel", key="tx-2").status_code for _ in range(2)] == [204, 204]
    refused = [change(sandbox, order_id, "refunds", {"refunded_amount": 5000}, key="tx-3") for _ in range(2)]
    assert [r.json["error_code"] for r in refused] == ["REFUND_NOT_ALLOWED"] * 2
    replays = sandbox.get("/_sandbox/order-changes", query_string={"idempotency_key": "tx-1"}).json["changes"]
    assert [(c["operation"], c["status"], c["replayed"]) for c in replays] == [
        ("captures", 201, False),
        ("captures", 201, True),
    ]


def test_malformed_or_unknown_is_not_remembered(sandbox):
    order_id = new_order(sandbox)
    assert change(sandbox, order_id, "captures", {"captured_amount": "10.00"}, key="k").status_code == 400
    assert change(sandbox, "no-such-order", "captures", {"captured_amount": 10}, key="k").status_code == 404
    assert change(sandbox, order_id, "captures", {"captured_amount": 10}, key="k").status_code == 201


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("captures", {}, "Missing field(s): captured_amount"),
        ("captures", {"captured_amount": 0}, "Bad value: captured_amount"),
        ("captures", {"captured_amount": 10.5}, "Bad value: captured_amount"),
        ("captures", {"captured_amount": 10, "reference": "x" * 256}, "Bad value: reference"),
        ("refunds", {"refunded_amount": -1}, "Bad value: refunded_amount"),
        ("refunds", None, "Bad value: body"),
    ],
)
def test_malformed_changes_are_bad_requests(sandbox, action, body, message):
    order_id = new_order(sandbox, auto_capture=True)
    answer = change(sandbox, order_id, action, body)
    assert (answer.status_code, answer.json["error_code"]) == (400, "BAD_REQUEST")
    assert message in answer.json["error_messages"]


def test_order_changes_need_the_api_key(sandbox):
    order_id = new_order(sandbox)
    for action in ("captures", "refunds", "cancel", "release-remaining-authorization"):
        answer = change(sandbox, order_id, action, {"captured_amount": 1}, headers={})
        assert (answer.status_code, answer.json["error_code"]) == (401, "UNAUTHORIZED")
    assert read(sandbox, order_id)["status"] == "AUTHORIZED"


def test_auto_capture_is_one_capture_of_the_whole_order(sandbox):
    order = read(sandbox, new_order(sandbox, auto_capture=True))
    assert [c["captured_amount"] for c in order["captures"]] == [BASKET_TOTAL]
    assert order["captures"][0]["capture_id"]


def test_injected_errors_answer_the_next_calls_and_change_nothing(sandbox):
    order_id = new_order(sandbox)
    injected = {"operation": "captures", "status": 503, "count": 2}
    assert sandbox.post("/_sandbox/order-errors", json=injected).status_code == 200
    sandbox.post("/_sandbox/order-errors", json={"operation": "cancel", "status": 403, "error_code": "NOT_ALLOWED"})
    answers = [change(sandbox, order_id, "captures", {"captured_amount": 10}, key="k") for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 201]
    assert answers[0].json["error_code"] == "SERVICE_UNAVAILABLE"
    assert change(sandbox, order_id, "cancel", key="k-cancel").json["error_code"] == "NOT_ALLOWED"
    assert read(sandbox, order_id)["captured_amount"] == 10
    assert sandbox.post("/_sandbox/order-errors", json={"operation": "captures", "status": 200}).status_code == 400


def test_a_back_office_change_is_pushed_unless_the_push_is_lost(sandbox, monkeypatch):
    sent = []
    monkeypatch.setattr(kustom, "deliver", lambda method, url, **body: sent.append(url) or {"status": 200})
    order_id = new_order(sandbox)
    captured = sandbox.post(f"/_sandbox/orders/{order_id}/back-office", json={"action": "capture", "amount": 1000})
    assert captured.json["order"]["captured_amount"] == 1000 and len(sent) == 1
    lost = sandbox.post(f"/_sandbox/orders/{order_id}/back-office", json={"action": "release", "deliver": False})
    assert lost.json["order"]["remaining_authorized_amount"] == 0 and "notification" not in lost.json
    assert len(sent) == 1
    refused = sandbox.post(f"/_sandbox/orders/{order_id}/back-office", json={"action": "refund", "amount": 5000})
    assert (refused.status_code, refused.json["error_code"]) == (409, "REFUND_NOT_ALLOWED")
