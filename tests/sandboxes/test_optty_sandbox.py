"""The Optty sandbox refuses what Optty refuses; a sandbox that accepts anything
would prove nothing about the connector."""

import pytest

from connector.providers.optty.examples import session_request
from sandboxes import optty

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
