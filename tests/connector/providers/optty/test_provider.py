import json

import pytest

from connector.environment import ConfigError, Environment
from connector.errors import (
    CommercetoolsUnavailable,
    InvalidInput,
    InvalidNotification,
    ProviderRefused,
    ProviderUnavailable,
)
from connector.http import Deadline
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


class MemoryState:
    """ProviderState in a dict, as one commercetools project would hold it."""

    def __init__(self, records=None, failing_puts=False):
        self.records = dict(records or {})
        self.failing_puts = failing_puts

    def get(self, key, deadline):
        return self.records.get(key)

    def create(self, key, value, deadline):
        return self.records.setdefault(key, value)

    def put(self, key, value, deadline):
        if self.failing_puts:
            raise CommercetoolsUnavailable("down")
        self.records[key] = value


def call() -> Call:
    """A fresh deadline for each call (one made at import would run out during a long test run)."""
    return Call(Deadline(5), "corr")


def held(reference, status="PENDING"):
    return {
        "merchantReference": reference,
        "status": status,
        "amount": 19.99,
        "currency": "EUR",
        "transactionReference": "TX-1",
    }


@pytest.fixture
def optty_api(provider_api):
    provider_api.post("/auth/token", json={"access_token": "token-1", "expires_in": 86400})
    return provider_api


@pytest.fixture
def provider(optty_api):
    """Builds the provider against the stubbed Optty, with its own state."""

    def build(state=None) -> Optty:
        config = OpttyConfig("client-1", "optty-secret-value", f"{optty_api.url}/auth", f"{optty_api.url}/api")
        return Optty(config, ProviderContext(notification_url=NOTIFY, state=state or MemoryState()))

    return build


def payment(**request) -> Payment:
    return Payment.from_json(payment_json(interface="optty", session_request=session_request(**request)))


def order_posts(optty_api) -> list[dict]:
    return [call.json() for call in optty_api.calls_to(ORDERS_PATH) if call.method == "POST"]


def test_a_new_order_is_created_and_its_answer_recorded(optty_api, provider):
    optty_api.post(ORDERS_PATH, status=201, json=CREATED)
    state = MemoryState()
    paying = payment(autoCapture=False)
    session = provider(state).open_session(paying, call())
    assert (session.session_token, session.redirect_url, session.interface_id) == (
        "ot-1",
        CREATED["redirectUrl"],
        "o-1",
    )
    [sent] = order_posts(optty_api)
    assert (sent["orderReference"], sent["orderAmount"], sent["dynamicCallbackUrl"]) == (paying.id, 19.99, NOTIFY)
    record = state.records[paying.id]
    assert (record["order"], record["autoCapture"]) == (CREATED, False)


def test_a_retry_after_a_lost_answer_reuses_the_order(optty_api, provider):
    paying = payment()
    state = MemoryState({paying.id: {"attempt": "earlier", "autoCapture": True, "order": CREATED}})
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", json=held(paying.id))
    session = provider(state).open_session(paying, call())
    assert order_posts(optty_api) == []
    assert (session.session_token, session.redirect_url, session.interface_id) == (
        "ot-1",
        CREATED["redirectUrl"],
        "o-1",
    )
    assert session.status_code == "pending"
    assert [(t.type, t.state, t.interaction_id) for t in session.transactions] == [("Authorization", "Pending", "TX-1")]
    assert session.interactions[0].type == "optty.getOrder"


def test_a_reused_order_shows_its_current_status(optty_api, provider):
    paying = payment()
    state = MemoryState({paying.id: {"attempt": "earlier", "autoCapture": False, "order": CREATED}})
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", json=held(paying.id, "CANCELED"))
    session = provider(state).open_session(paying, call())
    assert session.status_code == "CANCELED"
    assert [t.state for t in session.transactions] == ["Failure"]


def test_an_earlier_attempt_that_left_nothing_at_optty_is_made_again(optty_api, provider):
    paying = payment()
    state = MemoryState({paying.id: {"attempt": "earlier", "autoCapture": True}})
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", status=404, json={"statusCode": 404, "message": "Not found"})
    optty_api.post(ORDERS_PATH, status=201, json=CREATED)
    assert provider(state).open_session(paying, call()).session_token == "ot-1"
    assert len(order_posts(optty_api)) == 1
    assert state.records[paying.id]["order"] == CREATED


def test_an_order_whose_answer_never_arrived_is_not_made_twice(optty_api, provider):
    paying = payment()
    state = MemoryState({paying.id: {"attempt": "earlier", "autoCapture": True}})
    optty_api.get(f"{ORDERS_PATH}/{paying.id}", json=held(paying.id))
    with pytest.raises(ProviderRefused, match="earlier attempt") as raised:
        provider(state).open_session(paying, call())
    assert raised.value.details == {"orderReference": paying.id, "status": "PENDING"}
    assert order_posts(optty_api) == []


def test_invalid_input_calls_nobody_and_records_nothing(optty_api, provider):
    state = MemoryState()
    with pytest.raises(InvalidInput):
        provider(state).open_session(payment(locale="German"), call())
    assert optty_api.calls == [] and state.records == {}


def test_the_order_stands_when_it_cannot_be_recorded(optty_api, provider):
    optty_api.post(ORDERS_PATH, status=201, json=CREATED)
    assert provider(MemoryState(failing_puts=True)).open_session(payment(), call()).session_token == "ot-1"


def webhook(reference, event="ORDER_ASYNC_CALLBACK", status="SUCCESSFUL") -> Notification:
    body = {"event": event, "data": {"orderReference": reference, "status": status, "transactionId": "TX-1"}}
    return Notification("POST", body=json.dumps(body).encode())


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"attempt": "a", "autoCapture": False}, [("Authorization", "Success")]),
        ({"attempt": "a", "autoCapture": True}, [("Authorization", "Success"), ("Charge", "Success")]),
        (None, [("Authorization", "Success"), ("Charge", "Success")]),  # Optty's default: captured
    ],
)
def test_a_successful_order_is_charged_only_when_auto_capture_was_asked(optty_api, provider, record, expected):
    state = MemoryState({"payment-1": record} if record else {})
    optty_api.get(f"{ORDERS_PATH}/payment-1", json=held("payment-1", "SUCCESSFUL"))
    event = provider(state).read_notification(webhook("payment-1"), call())
    assert event.payment_id == "payment-1"
    assert [(t.type, t.state) for t in event.transactions] == expected


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


def test_a_refund_callback_is_acknowledged_without_reading_back(optty_api, provider):
    event = provider().read_notification(webhook("payment-1", event="REFUND_CALLBACK"), call())
    assert (event.transactions, event.status_code) == ((), None)
    assert optty_api.calls == []


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
