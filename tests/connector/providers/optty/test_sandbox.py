"""The Optty sandbox refuses what Optty refuses; a sandbox that accepts anything
would prove nothing about the connector."""

import pytest

from connector.providers.optty.examples import session_request
from connector.providers.optty.sandbox import app as optty

CLIENT = {"client_id": "c1", "client_secret": "s1", "grant_type": "client_credentials", "scope": "api-user"}


@pytest.fixture
def sandbox():
    return optty.create_app("c1", "s1").test_client()


@pytest.fixture
def bearer(sandbox):
    token = sandbox.post("/auth/token", data=CLIENT).json["access_token"]
    return {"Authorization": f"Bearer {token}"}


def order_body(**overrides):
    """A POST /orders body as the connector sends it for the sample sessionRequest."""
    return {
        **session_request(),
        "orderReference": "payment-1",
        "purchaseCurrency": "EUR",
        "orderAmount": 19.99,
        "customerPresent": True,
        "autoCapture": True,
        "dynamicCallbackUrl": "http://127.0.0.1:1/notifications/optty",
        **overrides,
    }


def create(sandbox, bearer, body):
    return sandbox.post("/api/orders", json=body, headers=bearer)


def test_a_valid_order_is_created_pending(sandbox, bearer):
    answer = create(sandbox, bearer, order_body())
    assert answer.status_code == 201
    created = answer.json
    assert created["paymentStatus"] == "pending" and created["orderReference"] == "payment-1"
    assert created["orderToken"] in created["redirectUrl"]
    held = sandbox.get("/api/orders/payment-1", headers=bearer).json
    assert (held["status"], held["amount"], held["transactionReference"]) == (
        "PENDING",
        19.99,
        created["transactionReference"],
    )


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({**CLIENT, "client_secret": "wrong"}, 401, "invalid_client"),
        ({**CLIENT, "grant_type": "password"}, 400, "unsupported_grant_type"),
        ({**CLIENT, "scope": "admin"}, 400, "invalid_scope"),
    ],
)
def test_the_token_endpoint_checks_the_client(sandbox, form, status, error):
    answer = sandbox.post("/auth/token", data=form)
    assert (answer.status_code, answer.json["error"]) == (status, error)


def test_the_token_endpoint_wants_a_form_not_json(sandbox):
    assert sandbox.post("/auth/token", json=CLIENT).status_code == 400


def test_the_api_needs_a_valid_token(sandbox, bearer):
    for headers in ({}, {"Authorization": "Bearer forged"}):
        answer = sandbox.post("/api/orders", json=order_body(), headers=headers)
        assert (answer.status_code, answer.json) == (401, {"statusCode": 401, "message": "Unauthorized"})
    sandbox.post("/_sandbox/tokens/revoke")
    assert create(sandbox, bearer, order_body()).status_code == 401
    assert sandbox.get("/_sandbox/tokens").json == {"issued": 1, "refused": 3}


def test_the_tokens_and_order_tokens_handed_out_are_listed_revoked_too(sandbox, bearer):
    created = create(sandbox, bearer, order_body()).json
    sandbox.post("/_sandbox/tokens/revoke")
    issued = sandbox.get("/_sandbox/issued").json["issued"]
    assert sorted(issued) == sorted([bearer["Authorization"].removeprefix("Bearer "), created["orderToken"]])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"orderReference": ""}, "orderReference should not be empty"),
        ({"purchaseCountry": "DEU"}, "purchaseCountry must be a valid ISO31661 Alpha2 code"),
        ({"purchaseCurrency": "euro"}, "purchaseCurrency must be a valid ISO4217 currency code"),
        ({"locale": "German"}, "locale must be locale"),
        ({"orderAmount": "19.99"}, "orderAmount must be a number conforming to the specified constraints"),
        ({"orderAmount": 19.999}, "orderAmount must be a number conforming to the specified constraints"),
        ({"shippingAmount": -4.99}, "shippingAmount must not be less than 0"),
        ({"billingAddress": {"country": "Germany"}}, "billingAddress.country must be a valid ISO31661 Alpha2 code"),
        ({"customer": {"firstName": "Jane", "lastName": "Doe", "email": "nope"}}, "customer.email must be an email"),
        ({"orderItems": []}, "orderItems should not be empty"),
        (
            {"orderItems": [{"name": "x", "quantity": 2, "unitPrice": 8, "totalAmount": 15}]},
            "orderItems.0.totalAmount must equal quantity multiplied by unitPrice",
        ),
        ({"customerPresent": None}, "customerPresent must be a boolean value"),
        ({"sessionId": "session-1"}, "sessionId must be a UUID"),
        ({"dynamicRedirectUrl": "http://shop.example.test/back"}, "dynamicRedirectUrl must be a URL address"),
        (
            {"orderAmount": 20.99},
            "orderAmount must equal the sum of orderItems.totalAmount plus shippingAmount and taxAmount minus discountAmount (19.99)",
        ),
        (
            {"bnplProvider": "PAYLATER"},
            "bnplProvider must be one of the following values: AFTERPAY, KLARNA, LATITUDEPAY_AU",
        ),
        ({"purchaseCurrency": "AUD"}, "KLARNA does not support purchaseCurrency AUD"),
        (
            {"billingAddress": {"country": "DE", "city": "Berlin", "postalCode": "10115"}},
            "billingAddress.streetAddress should not be empty",
        ),
    ],
)
def test_refusals_name_the_field_as_optty_does(sandbox, bearer, overrides, message):
    answer = create(sandbox, bearer, order_body(**overrides))
    assert answer.status_code == 400
    assert answer.json["statusCode"] == 400 and answer.json["error"] == "Bad Request"
    assert message in answer.json["message"]


def test_an_order_reference_is_used_once(sandbox, bearer):
    assert create(sandbox, bearer, order_body()).status_code == 201
    again = create(sandbox, bearer, order_body(orderAmount=19.99))
    assert (again.status_code, again.json) == (
        409,
        {"statusCode": 409, "message": "Order with reference payment-1 already exists", "error": "Conflict"},
    )
    assert len(sandbox.get("/_sandbox/orders", query_string={"orderReference": "payment-1"}).json["orders"]) == 1


def test_reading_an_order_repeats_its_token_and_redirect_url(sandbox, bearer):
    """Beyond Optty's documented fields (inferred; see the sandbox's docstring)."""
    created = create(sandbox, bearer, order_body()).json
    held = sandbox.get("/api/orders/payment-1", headers=bearer).json
    assert {name: held[name] for name in ("orderId", "orderToken", "redirectUrl")} == {
        name: created[name] for name in ("orderId", "orderToken", "redirectUrl")
    }


def test_an_unknown_order_is_a_404(sandbox, bearer):
    answer = sandbox.get("/api/orders/nope", headers=bearer)
    assert (answer.status_code, answer.json["error"]) == (404, "Not Found")


def test_options_list_the_providers_for_amount_and_currency(sandbox, bearer):
    names = [option["name"] for option in sandbox.get("/api/options?amount=10&currency=AUD", headers=bearer).json]
    assert names == ["AFTERPAY"]  # LATITUDEPAY_AU starts at 20
    assert sandbox.get("/api/options", headers={}).status_code == 401


@pytest.mark.parametrize(
    ("status", "auto_capture", "expected"),
    [
        ("SUCCESSFUL", True, {"captureStatus": "CAPTURED", "cancelledBy": None}),
        ("SUCCESSFUL", False, {"captureStatus": "NOT_CAPTURED"}),
        ("CANCELLED", True, {"cancelledBy": "CUSTOMER"}),
        ("DECLINED", True, {"failureReason": "Declined by the BNPL provider"}),
    ],
)
def test_completing_an_order_changes_what_optty_holds_and_makes_the_webhook(
    sandbox, bearer, status, auto_capture, expected
):
    create(sandbox, bearer, order_body(autoCapture=auto_capture))
    completed = sandbox.post("/_sandbox/orders/payment-1/complete", json={"status": status, "deliver": False}).json
    held = sandbox.get("/api/orders/payment-1", headers=bearer).json
    assert held["status"] == status
    assert expected.items() <= held.items()
    assert completed["webhook"]["event"] == "ORDER_ASYNC_CALLBACK"
    assert completed["webhook"]["data"]["orderReference"] == "payment-1"
    assert completed["webhook"]["data"]["transactionId"] == held["transactionReference"]


def test_a_completion_is_delivered_to_the_callback_url(sandbox, bearer):
    create(sandbox, bearer, order_body(dynamicCallbackUrl="http://127.0.0.1:9/notifications/optty"))
    completed = sandbox.post("/_sandbox/orders/payment-1/complete", json={"status": "SUCCESSFUL"}).json
    assert completed["notification"] == {"status": None, "error": "ConnectionError"}  # nothing listens on port 9


# -- Capture, void and refund ------------------------------------------------------------


def authorized(sandbox, bearer, auto_capture: bool = False) -> None:
    """payment-1: an order for 19.99 EUR the shopper completed."""
    create(sandbox, bearer, order_body(autoCapture=auto_capture))
    sandbox.post("/_sandbox/orders/payment-1/complete", json={"status": "SUCCESSFUL", "deliver": False})


def change(sandbox, bearer, action: str, body):
    return sandbox.post(f"/api/orders/payment-1/{action}", json=body, headers=bearer)


def capture(reference: str, amount) -> dict:
    return {"captureReference": reference, "amount": amount}


def refund(reference: str, amount, currency: str = "EUR") -> dict:
    return {
        "refundReference": reference,
        "refundAmount": {"amount": amount, "currency": currency},
        "refundDescription": "returned",
    }


def held(sandbox, bearer) -> dict:
    return sandbox.get("/api/orders/payment-1", headers=bearer).json


def test_captures_voids_and_refunds_are_answered_and_listed_on_the_order(sandbox, bearer):
    authorized(sandbox, bearer)
    captured = change(sandbox, bearer, "capture", capture("tx-1", 10.5))
    assert (captured.status_code, captured.json) == (
        201,
        {"captureReference": "tx-1", "captureId": "tx-1", "capturedAmount": 10.5},
    )
    voided = change(sandbox, bearer, "void", {"voidReference": "tx-2", "amount": 9.49})
    assert voided.json == {"voidReference": "tx-2", "voidedId": "tx-2", "amount": 9.49}
    refunded = change(sandbox, bearer, "refund", refund("tx-3", 5))
    assert refunded.status_code == 201
    assert {k: refunded.json[k] for k in ("refundReference", "refundedAmount", "refundStatus")} == {
        "refundReference": "tx-3",
        "refundedAmount": 5.0,
        "refundStatus": "PENDING",
    }
    assert refunded.json["bnplRefundId"] and refunded.json["refundDate"].endswith("GMT")
    order = held(sandbox, bearer)
    assert [(c["captureId"], c["amount"]) for c in order["orderCaptures"]] == [("tx-1", "10.5")]
    assert [(v["voidedId"], v["amount"]) for v in order["orderVoids"]] == [("tx-2", "9.49")]
    assert [(r["refundId"], r["amount"], r["status"]) for r in order["refunds"]] == [("tx-3", "5", "PENDING")]
    assert order["captureStatus"] == "CAPTURED"  # captured or voided: nothing is left


@pytest.mark.parametrize(
    ("auto_capture", "done", "action", "body", "message"),
    [
        (False, [], "capture", capture("tx-9", 20), "not be more than the 19.99 authorized"),
        (False, [("void", {"voidReference": "v", "amount": 10})], "capture", capture("tx-9", 10), "9.99"),
        (True, [], "capture", capture("tx-9", 0.01), "not be more than the 0"),
        (True, [], "void", {"voidReference": "tx-9", "amount": 1}, "not be more than the 0"),
        (False, [], "refund", refund("tx-9", 1), "not be more than the 0 captured"),
        (True, [("refund", refund("r", 19))], "refund", refund("tx-9", 1), "not be more than the 0.99 captured"),
        (True, [], "refund", refund("tx-9", 1, "SEK"), "must be the order's currency EUR"),
    ],
)
def test_never_more_than_the_order_holds(sandbox, bearer, auto_capture, done, action, body, message):
    authorized(sandbox, bearer, auto_capture)
    for earlier, earlier_body in done:
        assert change(sandbox, bearer, earlier, earlier_body).status_code == 201
    before = held(sandbox, bearer)
    refused = change(sandbox, bearer, action, body)
    assert (refused.status_code, refused.json["error"]) == (400, "Bad Request")
    assert message in refused.json["message"][0]
    assert held(sandbox, bearer) == before


def test_an_order_the_shopper_did_not_complete_has_nothing_to_capture(sandbox, bearer):
    create(sandbox, bearer, order_body(autoCapture=False))
    refused = change(sandbox, bearer, "capture", capture("tx-1", 1))
    assert refused.status_code == 400 and "PENDING" in refused.json["message"][0]
    missing = sandbox.post("/api/orders/payment-9/capture", json=capture("tx-1", 1), headers=bearer)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("capture", {"amount": 1}, "captureReference should not be empty"),
        ("capture", capture("tx-1", "1"), "amount must be a number conforming to the specified constraints"),
        ("capture", capture("tx-1", 1.005), "amount must be a number conforming to the specified constraints"),
        ("void", {"voidReference": "tx-1", "amount": 0}, "amount must be a positive number"),
        ("refund", {"refundReference": "tx-1", "refundDescription": "x"}, "refundAmount should not be empty"),
        ("refund", {**refund("tx-1", -1)}, "refundAmount.amount must not be less than 0"),
        ("refund", {**refund("tx-1", 1, "eur")}, "refundAmount.currency must be a valid ISO4217 currency code"),
        ("refund", {"refundReference": "tx-1", "refundAmount": {"amount": 1}}, "refundDescription should not be empty"),
    ],
)
def test_malformed_changes_are_refused_as_optty_does(sandbox, bearer, action, body, message):
    authorized(sandbox, bearer, auto_capture=True)
    answer = change(sandbox, bearer, action, body)
    assert (answer.status_code, answer.json["error"]) == (400, "Bad Request")
    assert message in answer.json["message"]


def test_changes_need_a_token(sandbox, bearer):
    authorized(sandbox, bearer)
    assert change(sandbox, {}, "capture", capture("tx-1", 1)).status_code == 401
    assert held(sandbox, bearer)["orderCaptures"] == []


def test_a_reference_used_again_gets_the_first_answer_or_a_conflict(sandbox, bearer):
    authorized(sandbox, bearer)
    first = change(sandbox, bearer, "capture", capture("tx-1", 10))
    again = change(sandbox, bearer, "capture", capture("tx-1", 5))
    assert (again.status_code, again.json) == (201, first.json)
    sandbox.post("/_sandbox/repeated-references", json={"answer": "conflict"})
    conflict = change(sandbox, bearer, "capture", capture("tx-1", 10))
    assert (conflict.status_code, conflict.json["error"]) == (409, "Conflict")
    assert [c["amount"] for c in held(sandbox, bearer)["orderCaptures"]] == ["10"]
    changes = sandbox.get("/_sandbox/order-changes", query_string={"reference": "tx-1"}).json["changes"]
    assert [(c["status"], c["replayed"]) for c in changes] == [(201, False), (201, True), (409, True)]
    # A refused call is not remembered: the same reference may be used once it fits.
    assert change(sandbox, bearer, "void", {"voidReference": "tx-2", "amount": 50}).status_code == 400
    assert change(sandbox, bearer, "void", {"voidReference": "tx-2", "amount": 5}).status_code == 201


def test_a_refund_is_decided_later_and_announced_by_refund_callback(sandbox, bearer, monkeypatch):
    sent = []
    monkeypatch.setattr(
        optty, "deliver", lambda method, url, **body: sent.append((url, body["json"])) or {"status": 200}
    )
    authorized(sandbox, bearer, auto_capture=True)
    change(sandbox, bearer, "refund", refund("tx-1", 5))
    change(sandbox, bearer, "refund", refund("tx-2", 4))
    sandbox.post("/_sandbox/orders/payment-1/refunds/tx-1", json={"status": "SUCCESSFUL"})
    declined = sandbox.post("/_sandbox/orders/payment-1/refunds/tx-2", json={"status": "DECLINED", "deliver": False})
    assert "notification" not in declined.json  # lost
    [(url, webhook)] = sent
    assert url == "http://127.0.0.1:1/notifications/optty"
    assert webhook["event"] == "REFUND_CALLBACK"
    assert {k: webhook["data"][k] for k in ("orderReference", "status", "refundReference")} == {
        "orderReference": "payment-1",
        "status": "SUCCESSFUL",
        "refundReference": "tx-1",
    }
    order = held(sandbox, bearer)
    assert [(r["refundId"], r["status"]) for r in order["refunds"]] == [("tx-1", "SUCCESSFUL"), ("tx-2", "DECLINED")]
    assert order["refunds"][1]["refundFailureReason"]
    # The declined refund gave its amount back: 14.99 may still be refunded.
    assert change(sandbox, bearer, "refund", refund("tx-3", 14.99)).status_code == 201
    assert sandbox.post("/_sandbox/orders/payment-1/refunds/tx-1", json={"status": "DECLINED"}).status_code == 409


def test_back_office_changes_and_injected_errors(sandbox, bearer, monkeypatch):
    sent = []
    monkeypatch.setattr(
        optty, "deliver", lambda method, url, **body: sent.append(body["json"]["event"]) or {"status": 200}
    )
    authorized(sandbox, bearer)
    sandbox.post("/_sandbox/orders/payment-1/back-office", json={"action": "capture", "amount": "10.00"})
    sandbox.post("/_sandbox/orders/payment-1/back-office", json={"action": "refund", "amount": "2.50"})
    order = held(sandbox, bearer)
    assert [(c["amount"]) for c in order["orderCaptures"]] == ["10.00"]
    assert [(r["amount"], r["status"]) for r in order["refunds"]] == [("2.50", "SUCCESSFUL")]
    assert sent == ["ORDER_STATUS_UPDATE", "REFUND_CALLBACK"]
    sandbox.post("/_sandbox/order-errors", json={"operation": "void", "status": 503})
    assert change(sandbox, bearer, "void", {"voidReference": "tx-1", "amount": 1}).status_code == 503
    assert change(sandbox, bearer, "void", {"voidReference": "tx-1", "amount": 1}).status_code == 201
