"""The Nexway sandbox refuses what Nexway refuses; a sandbox that accepts anything
would prove nothing about the connector."""

import time

import pytest

from connector.providers.nexway.sandbox import app as nexway
from tests.factories import nexway_session_request

NOTIFY_URL = "http://127.0.0.1:1/notifications/nexway"


@pytest.fixture
def sandbox():
    return nexway.create_app(
        "catalog-secret", "client-secret", "realm", ("nexway", "notify-password"), NOTIFY_URL
    ).test_client()


@pytest.fixture
def token(sandbox) -> str:
    answer = sandbox.post(
        "/iam/tokens", json={"clientSecret": "client-secret", "realmName": "realm", "grantType": "client_credentials"}
    )
    assert answer.status_code == 200 and answer.json["expires_in"] > 0
    return answer.json["access_token"]


def headers(token: str, secret: str | None = "catalog-secret") -> dict:
    sent = {"Authorization": f"Bearer {token}"}
    if secret is not None:
        sent["secret"] = secret
    return sent


def order(reference: str = "payment-1", **overrides) -> dict:
    return {
        "partnerOrderNumber": reference,
        "currency": "EUR",
        "orderDate": "2026-11-24T13:36:27+00:00",
        **nexway_session_request(),
        **overrides,
    }


def create(sandbox, token, body):
    return sandbox.post("/connect/order/new", json=body, headers=headers(token))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"clientSecret": "client-secret", "realmName": "realm", "grantType": "password"}, 400),
        ({"clientSecret": "guess", "realmName": "realm", "grantType": "client_credentials"}, 401),
        ({"clientSecret": "client-secret", "realmName": "other", "grantType": "client_credentials"}, 401),
    ],
)
def test_the_token_endpoint_checks_the_client(sandbox, body, status):
    assert sandbox.post("/iam/tokens", json=body).status_code == status


def test_connect_calls_need_a_valid_token(sandbox, token):
    assert sandbox.post("/connect/order/new", json=order(), headers={"secret": "catalog-secret"}).status_code == 401
    assert sandbox.post("/connect/order/new", json=order(), headers=headers("made-up")).status_code == 401
    sandbox.post("/_sandbox/tokens/revoke")
    assert create(sandbox, token, order()).status_code == 401
    assert sandbox.get("/_sandbox/issued").json == {"issued": [token]}  # listed for the log scan, revoked too


@pytest.mark.parametrize(("secret", "code"), [(None, 70), ("wrong", 71)])
def test_connect_calls_need_the_catalog_secret(sandbox, token, secret, code):
    answer = sandbox.post("/connect/order/new", json=order(), headers=headers(token, secret))
    assert (answer.status_code, answer.json["responseCode"]) == (200, code)


def test_a_valid_order_is_delivered_at_once(sandbox, token):
    answer = create(sandbox, token, order())
    assert (answer.status_code, answer.json["responseCode"]) == (201, 0)
    [line] = answer.json["orderLines"]
    assert line["files"][0]["url"].startswith("https://") and line["lineItems"][0]["serials"][0]["data"]
    assert answer.json["downloadManager"]["pc"]


def with_customer(**changes) -> dict:
    customer = nexway_session_request()["customer"]
    return order(customer={**customer, **changes})


def with_line(**changes) -> dict:
    line = nexway_session_request()["orderLines"][0]
    return order(orderLines=[{**line, **changes}])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (order(""), 130),
        (with_customer(email=""), 320),
        (with_customer(email="not-an-email"), 321),
        (with_customer(locationInvoice={"firstName": "A", "lastName": "B", "country": "US"}), 1048),
        (with_line(productRef="4242"), 1020),
        (with_line(productRef="9044"), 1044),
        (with_line(productRef="9062"), 1062),
        (with_line(amountTotal="19.99"), 100),  # amounts are JSON numbers
        (with_line(amountTotal=19.97), 100),  # 16.66 × 1.2 = 19.992
        (with_line(quantity=0), 100),
        (order(currency="XTS"), 100),
        (order(orderDate="24/11/2026"), 100),
        (with_customer(language="French"), 100),
        (order(payment={"paymentMethod": "Credit Card"}), 100),
        (order(payment="card"), 100),
    ],
)
def test_refusals(sandbox, token, body, code):
    answer = create(sandbox, token, body)
    assert (answer.status_code, answer.json["responseCode"]) == (200, code)
    assert answer.json["responseMessage"]
    assert sandbox.get("/_sandbox/orders").json["orders"] == []


def test_a_refused_product_is_named_in_its_line(sandbox, token):
    lines = [
        nexway_session_request()["orderLines"][0],
        {**nexway_session_request()["orderLines"][0], "productRef": "9044"},
    ]
    answer = create(sandbox, token, order(orderLines=lines))
    assert [line["responseCode"] for line in answer.json["orderLines"]] == [0, 1044]


def test_a_second_order_for_the_same_reference_is_1010_naming_the_first(sandbox, token):
    first = create(sandbox, token, order()).json
    again = create(sandbox, token, order())
    assert (again.status_code, again.json["responseCode"], again.json["orderNumber"]) == (
        200,
        1010,
        first["orderNumber"],
    )
    assert len(sandbox.get("/_sandbox/orders").json["orders"]) == 1


@pytest.mark.parametrize(
    ("product", "code", "status"), [("9060", 1060, "PAYMENT_PENDING"), ("9061", 1061, "FRAUD_PENDING")]
)
def test_orders_waiting_for_validation(sandbox, token, product, code, status):
    answer = create(sandbox, token, with_line(productRef=product))
    assert (answer.status_code, answer.json["responseCode"]) == (201, code)
    assert "files" not in answer.json["orderLines"][0]
    read = sandbox.get(f"/connect/order/{answer.json['orderNumber']}", headers=headers(token)).json
    assert (read["responseCode"], read["status"]) == (0, status)


def test_a_lost_answer_still_creates_the_order(sandbox, token):
    sandbox.post("/_sandbox/lose-answers", json={"count": 1})
    assert create(sandbox, token, order()).status_code == 504
    [stored] = sandbox.get("/_sandbox/orders", query_string={"partnerOrderNumber": "payment-1"}).json["orders"]
    assert create(sandbox, token, order()).json == {
        "responseCode": 1010,
        "responseMessage": "Order already created",
        "partnerOrderNumber": "payment-1",
        "orderNumber": stored["orderNumber"],
    }


def test_an_unknown_order_is_not_found(sandbox, token):
    assert sandbox.get("/connect/order/1", headers=headers(token)).json["responseCode"] == 1030


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    deliveries = []
    monkeypatch.setattr(
        nexway, "deliver", lambda method, url, **kwargs: deliveries.append({"url": url, **kwargs}) or {"status": 200}
    )
    return deliveries


def cancel(sandbox, token, **body):
    return sandbox.put(
        "/connect/order/cancel",
        json={"partnerOrderNumber": "payment-1", "reasonCode": 3, "comment": "", **body},
        headers=headers(token),
    )


def test_cancel_checks_its_input_and_notifies_once_after_answering(sandbox, token, sent):
    create(sandbox, token, order())
    sandbox.post("/_sandbox/follow-ups", json={"delayMs": 0})
    assert cancel(sandbox, token, partnerOrderNumber="other").json["responseCode"] == 1030
    assert cancel(sandbox, token, partnerOrderNumber="").json["responseCode"] == 130
    assert cancel(sandbox, token, reasonCode=5).json["responseCode"] == 100
    assert cancel(sandbox, token, comment="x" * 256).json["responseCode"] == 100
    answer = cancel(sandbox, token).json
    [stored] = sandbox.get("/_sandbox/orders").json["orders"]
    assert answer == {
        "responseCode": 0,
        "responseMessage": "OK",
        "partnerOrderNumber": "payment-1",
        "orderNumber": stored["orderNumber"],
    }
    assert cancel(sandbox, token).json["responseCode"] == 1071
    [follow_up] = settled(sandbox)
    assert (follow_up["state"], follow_up["about"]["type"]) == ("done", "canceled")
    [delivery] = sent
    assert (delivery["url"], delivery["auth"]) == (NOTIFY_URL, ("nexway", "notify-password"))
    assert delivery["json"]["type"] == "canceled"
    assert (
        delivery["json"]["order"]["status"] == "CANCELED"
        and delivery["json"]["order"]["cancellationReason"] == "unsatisfied"
    )


def settled(sandbox) -> list[dict]:
    deadline = time.monotonic() + 5
    while any(f["state"] == "waiting" for f in sandbox.get("/_sandbox/follow-ups").json["followUps"]):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return sandbox.get("/_sandbox/follow-ups").json["followUps"]


def test_a_pending_order_is_stopped_and_an_ended_one_cannot_be_cancelled(sandbox, token, sent):
    number = create(sandbox, token, with_line(productRef="9061")).json["orderNumber"]
    assert cancel(sandbox, token, reasonCode=2).json["responseCode"] == 0
    assert sandbox.get(f"/connect/order/{number}", headers=headers(token)).json["status"] == "CANCELED"
    ended = create(sandbox, token, order("payment-2", orderLines=with_line(productRef="9061")["orderLines"])).json
    sandbox.post(f"/_sandbox/orders/{ended['orderNumber']}/events", json={"type": "paymentRefused"})
    assert cancel(sandbox, token, partnerOrderNumber="payment-2").json["responseCode"] == 1072


def test_a_cancellation_can_be_refused_lost_or_its_notification_dropped(sandbox, token, sent):
    number = create(sandbox, token, order()).json["orderNumber"]
    sandbox.post("/_sandbox/refuse-next", json={"responseCode": 1072})
    assert cancel(sandbox, token).json["responseCode"] == 1072
    sandbox.post("/_sandbox/follow-ups", json={"drop": 1})
    sandbox.post("/_sandbox/lose-answers", json={"operation": "cancelOrder"})
    assert cancel(sandbox, token).status_code == 504
    assert sandbox.get(f"/connect/order/{number}", headers=headers(token)).json["status"] == "CANCELED"
    assert [f["state"] for f in settled(sandbox)] == ["dropped"]
    assert sent == []
    assert sandbox.post("/_sandbox/refuse-next", json={"responseCode": 0}).status_code == 400


def test_order_events_go_to_the_configured_url_with_basic_credentials(sandbox, token, sent):
    number = create(sandbox, token, with_line(productRef="9061")).json["orderNumber"]
    answer = sandbox.post(f"/_sandbox/orders/{number}/events", json={"type": "completed"})
    assert answer.status_code == 200
    [delivery] = sent
    assert (delivery["url"], delivery["auth"]) == (NOTIFY_URL, ("nexway", "notify-password"))
    body = delivery["json"]
    assert (body["subject"], body["type"], body["objectId"]) == ("order", "completed", str(number))
    assert [body["order"][key] for key in ("id", "status", "partnerOrderNumber", "currency")] == [
        str(number),
        "COMPLETED",
        "payment-1",
        "EUR",
    ]
    read = sandbox.get(f"/connect/order/{number}", headers=headers(token)).json
    assert read["status"] == "COMPLETED" and read["orderLines"][0]["files"]


def test_an_unknown_event_type_is_refused(sandbox, token, sent):
    number = create(sandbox, token, order()).json["orderNumber"]
    assert sandbox.post(f"/_sandbox/orders/{number}/events", json={"type": "shipped"}).status_code == 400
    assert sent == []


def test_status_words_can_be_spelled_another_way_everywhere(sandbox, token, sent):
    assert "status" not in create(sandbox, token, with_line(productRef="9061")).json  # by default
    assert sandbox.post("/_sandbox/status-spelling", json={"spelling": "camelCase"}).json == {"spelling": "camelCase"}
    created = create(sandbox, token, order("payment-2", orderLines=with_line(productRef="9061")["orderLines"])).json
    assert (created["responseCode"], created["status"]) == (1061, "fraudPending")
    number = created["orderNumber"]
    sandbox.post(f"/_sandbox/orders/{number}/events", json={"type": "partiallyCompleted"})
    assert sandbox.get(f"/connect/order/{number}", headers=headers(token)).json["status"] == "partialCompleted"
    [delivery] = sent
    assert (delivery["json"]["type"], delivery["json"]["order"]["status"]) == ("partiallyCompleted", "partialCompleted")
    sandbox.post("/_sandbox/status-spelling", json={"spelling": "kebab-case"})
    assert sandbox.get(f"/connect/order/{number}", headers=headers(token)).json["status"] == "partial-completed"
    assert sandbox.post("/_sandbox/status-spelling", json={"spelling": "Title Case"}).status_code == 400
