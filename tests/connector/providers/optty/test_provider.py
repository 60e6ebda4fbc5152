import json
from decimal import Decimal

import pytest

from connector.environment import ConfigError, Environment
from connector.errors import (
    InvalidInput,
    InvalidNotification,
    ProviderRefused,
    ProviderUnavailable,
)
from connector.http import Deadline
from connector.modifications import Balance, Modification
from connector.money import Money
from connector.payment import Payment
from connector.providers.base import Call, Notification, ProviderContext
from connector.providers.optty import Optty
from connector.providers.optty.client import OpttyConfig
from connector.providers.optty.examples import session_request
from tests.factories import payment_json

NOTIFY = "https://notifications.example.test/notifications/optty"
ORDERS_PATH = "/api/orders"
CREATED = {
    "orderId": "o-1",
    "orderToken": "ot-1",
    "redirectUrl": "https://checkout.example.test/o-1",
    "paymentStatus": "pending",
    "transactionReference": "TX-1",
}


class NoState:
    """Optty keeps no records of its own: any use of the provider state fails the test."""

    def __getattr__(self, name):
        raise AssertionError(f"Optty used the commercetools-backed state ({name})")


def call() -> Call:
    """A fresh deadline for each call (one made at import would run out during a long test run)."""
    return Call(Deadline(5), "corr")


def held(reference, status="PENDING", **fields):
    """GET /orders/{ref} as Optty documents it."""
    return {
        "merchantReference": reference,
        "status": status,
        "amount": 19.99,
        "currency": "EUR",
        "transactionReference": "TX-1",
        **fields,
    }


EXISTS = {"statusCode": 409, "message": "Order with reference {} already exists", "error": "Conflict"}


def conflict(reference: str) -> dict:
    return {**EXISTS, "message": EXISTS["message"].format(reference)}


@pytest.fixture
def optty_api(provider_api):
    provider_api.post("/auth/token", json={"access_token": "token-1", "expires_in": 86400})
    return provider_api


@pytest.fixture
def provider(optty_api):
    """Builds the provider against the stubbed Optty, with its own state."""

    def build() -> Optty:
        config = OpttyConfig("client-1", "optty-secret-value", f"{optty_api.url}/auth", f"{optty_api.url}/api")
        return Optty(config, ProviderContext(notification_url=NOTIFY, state=NoState()))

    return build


def payment(**request) -> Payment:
    return Payment.from_json(payment_json(interface="optty", session_request=session_request(**request)))


def order_posts(optty_api) -> list[dict]:
    return [call.json() for call in optty_api.calls_to(ORDERS_PATH) if call.method == "POST"]


def test_a_new_order_is_created_without_any_commercetools_request(optty_api, provider):
    optty_api.post(ORDERS_PATH, status=201, json=CREATED)
    paying = payment(autoCapture=False)
    session = provider().open_session(paying, call())
    assert (session.session_token, session.redirect_url, session.interface_id) == (
        "ot-1",
        CREATED["redirectUrl"],
        "o-1",
    )
    [sent] = order_posts(optty_api)
    assert (sent["orderReference"], sent["orderAmount"], sent["dynamicCallbackUrl"]) == (paying.id, 19.99, NOTIFY)
    assert sent["autoCapture"] is False


def test_a_retry_after_a_create_that_timed_out_opens_the_payment_on_the_order_optty_holds(optty_api, provider):
    """The first attempt's POST /orders reached Optty, its answer did not reach us: the
    retry's POST gets Optty's 409 and the order is read back and used as a first answer."""
    paying = payment()
    optty_api.post(ORDERS_PATH, status=409, json=conflict(paying.id))
    found = held(paying.id, orderId="o-1", orderToken="ot-1", redirectUrl=CREATED["redirectUrl"])
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", json=found)
    session = provider().open_session(paying, call())
    assert len(order_posts(optty_api)) == 1
    assert (session.session_token, session.redirect_url, session.interface_id) == (
        "ot-1",
        CREATED["redirectUrl"],
        "o-1",
    )
    assert (session.status_code, session.status_text) == ("PENDING", None)
    assert [(t.type, t.state, t.interaction_id) for t in session.transactions] == [("Authorization", "Pending", "TX-1")]
    assert [(i.type, i.response) for i in session.interactions] == [
        ("optty.createOrder", conflict(paying.id)),
        ("optty.getOrder", found),
    ]
    assert session.interactions[0].request["orderReference"] == paying.id
    assert session.response == found


def test_an_order_read_back_without_token_or_redirect_still_opens_the_payment(optty_api, provider):
    """Optty's documented GET answer names no orderId, token or redirect URL: the payment
    opens on the order all the same (named by its reference), never refused."""
    paying = payment()
    optty_api.post(ORDERS_PATH, status=409, json=conflict(paying.id))
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", json=held(paying.id))
    session = provider().open_session(paying, call())
    assert (session.interface_id, session.session_token, session.redirect_url) == (paying.id, None, None)
    assert session.status_code == "PENDING"
    assert [(t.type, t.state) for t in session.transactions] == [("Authorization", "Pending")]
    assert [i.type for i in session.interactions] == ["optty.createOrder", "optty.getOrder"]


@pytest.mark.parametrize(
    ("status", "auto_capture", "expected"),
    [
        ("SUCCESSFUL", True, [("Authorization", "Success"), ("Charge", "Success")]),
        ("successful", False, [("Authorization", "Success")]),
        ("CANCELLED", True, [("Authorization", "Failure")]),
        ("IN_REVIEW", True, [("Authorization", "Pending")]),
    ],
)
def test_an_order_read_back_shows_its_current_status(optty_api, provider, status, auto_capture, expected):
    paying = payment(autoCapture=auto_capture)
    optty_api.post(ORDERS_PATH, status=409, json=conflict(paying.id))
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", json=held(paying.id, status))
    session = provider().open_session(paying, call())
    assert session.status_code == status
    assert [(t.type, t.state) for t in session.transactions] == expected


@pytest.mark.parametrize(("amount", "currency"), [(25.00, "EUR"), (19.99, "GBP")])
def test_an_order_held_for_another_amount_or_currency_is_a_refusal(optty_api, provider, amount, currency):
    paying = payment()
    optty_api.post(ORDERS_PATH, status=409, json=conflict(paying.id))
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", json=held(paying.id, amount=amount, currency=currency))
    with pytest.raises(ProviderRefused) as raised:
        provider().open_session(paying, call())
    refusal = raised.value
    assert refusal.code == "409"
    assert f"Order with reference {paying.id} already exists" in refusal.message
    assert refusal.details == {
        "orderReference": paying.id,
        "amount": str(Decimal(str(amount))),
        "currency": currency,
        "status": "PENDING",
    }


def test_a_409_for_an_order_optty_then_cannot_find_is_unavailability(optty_api, provider):
    paying = payment()
    optty_api.post(ORDERS_PATH, status=409, json=conflict(paying.id))
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", status=404, json={"statusCode": 404, "message": "Not found"})
    with pytest.raises(ProviderUnavailable, match="409"):
        provider().open_session(paying, call())


def test_invalid_input_calls_nobody(optty_api, provider):
    with pytest.raises(InvalidInput):
        provider().open_session(payment(locale="German"), call())
    assert optty_api.calls == []


def webhook(reference, event="ORDER_ASYNC_CALLBACK", status="SUCCESSFUL") -> Notification:
    body = {"event": event, "data": {"orderReference": reference, "status": status, "transactionId": "TX-1"}}
    return Notification("POST", body=json.dumps(body).encode())


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ({"autoCapture": False}, [("Authorization", "Success")]),
        ({"autoCapture": True}, [("Authorization", "Success"), ("Charge", "Success")]),
        ({}, [("Authorization", "Success"), ("Charge", "Success")]),  # Optty's default: captured
    ],
)
def test_a_successful_order_is_charged_only_when_the_payment_asked_for_auto_capture(
    optty_api, provider, request_, expected
):
    optty_api.get(f"{ORDERS_PATH}/payment-1", json=held("payment-1", "SUCCESSFUL"))
    optty = provider()
    event = optty.read_notification(webhook("payment-1"), call())
    assert event.payment_id == "payment-1"
    assert [(t.type, t.state) for t in event.transactions] == [("Authorization", "Success")]
    adjusted = optty.fit_event(event, payment(**request_))
    assert [(t.type, t.state) for t in adjusted.transactions] == expected


def test_a_webhook_for_an_order_optty_does_not_know_is_invalid(optty_api, provider):
    optty_api.get(f"{ORDERS_PATH}/payment-9", status=404, json={"statusCode": 404, "message": "Not found"})
    with pytest.raises(InvalidNotification, match="no order payment-9"):
        provider().read_notification(webhook("payment-9"), call())


@pytest.mark.parametrize("reference", ["/payment-1", "payment-1/..", "payment 1", "paymént-1"])
def test_a_reference_that_is_no_payment_id_is_refused_without_asking_optty(optty_api, provider, reference):
    # Found by fuzzing: "/payment-1" read GET /orders/%2Fpayment-1, which the server took
    # for another path and redirected, and the notification was answered 503 for retry.
    with pytest.raises(InvalidNotification):
        provider().read_notification(webhook(reference), call())
    assert optty_api.calls == []


def test_optty_unreachable_while_reading_back_is_unavailability(optty_api, provider):
    optty_api.get(f"{ORDERS_PATH}/payment-1", status=502, body="bad gateway")
    with pytest.raises(ProviderUnavailable):
        provider().read_notification(webhook("payment-1"), call())


def test_a_refund_callback_reads_the_orders_refunds_back(optty_api, provider):
    refunds = [{"refundId": "tx-7", "amount": "5.00", "currency": "EUR", "status": "SUCCESSFUL"}]
    optty_api.get(f"{ORDERS_PATH}/payment-1", json=held("payment-1", "SUCCESSFUL", refunds=refunds))
    event = provider().read_notification(webhook("payment-1", event="REFUND_CALLBACK"), call())
    assert [(t.type, t.state, t.interaction_id) for t in event.transactions][1:] == [("Refund", "Success", "tx-7")]


def test_a_body_that_is_not_json_is_invalid(optty_api, provider):
    with pytest.raises(InvalidNotification):
        provider().read_notification(Notification("POST", body=b"event=ORDER_ASYNC_CALLBACK"), call())


def test_configuration_defaults_to_optty_qa_hosts():
    config = Optty.config_from_env(Environment({"OPTTY_CLIENT_ID": "c", "OPTTY_CLIENT_SECRET": "optty-secret-value"}))
    assert (config.auth_url, config.api_url) == ("https://auth.qa.optty.com", "https://api.qa.optty.com")
    assert "optty-secret-value" not in repr(config)


def test_configuration_without_credentials_disables_optty_and_half_of_them_is_an_error():
    assert Optty.config_from_env(Environment({})) is None
    with pytest.raises(ConfigError, match="OPTTY_CLIENT_SECRET"):
        Optty.config_from_env(Environment({"OPTTY_CLIENT_ID": "c"}))


def test_a_malformed_url_is_named_even_while_optty_is_disabled():
    with pytest.raises(ConfigError, match="OPTTY_AUTH_URL"):
        Optty.config_from_env(Environment({"OPTTY_AUTH_URL": "http://auth.optty.com"}))


def test_base_urls_may_end_with_a_slash():
    env = Environment({"OPTTY_CLIENT_ID": "c", "OPTTY_CLIENT_SECRET": "s", "OPTTY_API_URL": "https://api.optty.com/"})
    assert Optty.config_from_env(env).api_url == "https://api.optty.com"


def test_optty_captures_voids_and_refunds_any_part(provider):
    assert provider().modification_reach == {"Charge": "partial", "Refund": "partial", "CancelAuthorization": "partial"}


def capture_call(optty: Optty, cents: int = 1000):
    paying = Payment.from_json(payment_json(interface="optty", session_request=session_request(), interface_id="o-1"))
    modification = Modification("tx-1", "Charge", Money.of(cents, "EUR"), 1)
    return paying, optty.prepare_modification(paying, modification, Balance(authorized=1999))


def test_a_capture_is_done_under_the_capture_id_optty_answers(optty_api, provider):
    optty = provider()
    paying, prepared = capture_call(optty)
    optty_api.post(
        f"{ORDERS_PATH}/{paying.id}/capture",
        status=201,
        json={"captureReference": "tx-1", "captureId": "cap-1", "capturedAmount": 10},
    )
    result = optty.send_modification(prepared, call())
    assert (result.state, result.interaction_id) == ("Success", "cap-1")


def test_a_repeat_optty_refuses_as_a_used_reference_is_read_back(optty_api, provider):
    """Optty may refuse a reference it holds instead of answering it again: the capture
    the order lists under it is the result, and nothing is captured twice."""
    optty = provider()
    paying, prepared = capture_call(optty)
    conflict = {"statusCode": 409, "message": "captureReference tx-1 already exists", "error": "Conflict"}
    optty_api.post(f"{ORDERS_PATH}/{paying.id}/capture", status=409, json=conflict)
    captures = [{"captureId": "cap-1", "captureReference": "tx-1", "amount": 10, "status": "SUCCESSFUL"}]
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", json=held(paying.id, "SUCCESSFUL", orderCaptures=captures))
    result = optty.send_modification(prepared, call())
    assert (result.state, result.interaction_id) == ("Success", "cap-1")
    assert [c.method for c in optty_api.calls if c.path.startswith(ORDERS_PATH)] == ["POST", "GET"]


def test_a_409_for_an_order_optty_cannot_find_leaves_the_capture_pending(optty_api, provider):
    optty = provider()
    paying, prepared = capture_call(optty)
    optty_api.post(f"{ORDERS_PATH}/{paying.id}/capture", status=409, json={"statusCode": 409})
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", status=404, json={"statusCode": 404})
    with pytest.raises(ProviderUnavailable):
        optty.send_modification(prepared, call())


def test_reading_back_gives_what_optty_holds_for_the_payment(optty_api, provider):
    optty_api.get(f"{ORDERS_PATH}/payment-1", json=held("payment-1", "SUCCESSFUL"))
    optty_api.get(f"{ORDERS_PATH}/payment-2", status=404, json={"statusCode": 404})
    paying = Payment.from_json({**payment_json(interface="optty"), "id": "payment-1"})
    event = provider().read_back(paying, call())
    assert (event.interaction.type, [t.state for t in event.transactions]) == ("optty.readBack", ["Success"])
    assert (
        provider().read_back(Payment.from_json({**payment_json(interface="optty"), "id": "payment-2"}), call()) is None
    )
