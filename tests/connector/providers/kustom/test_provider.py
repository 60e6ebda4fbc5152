import pytest

from connector.ctp import Commercetools
from connector.environment import ConfigError
from connector.errors import InvalidNotification, ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.modifications import Balance, Modification
from connector.money import Money
from connector.payment import Payment
from connector.providers import Providers, read_settings
from connector.providers.base import Call, Notification
from connector.providers.kustom import Kustom, mapping
from tests.factories import payment_json, transaction_json

from .factories import kustom_payment, kustom_request, managed_order, order_answer

ORDERS = "/ordermanagement/v1/orders"


@pytest.fixture
def call() -> Call:
    return Call(Deadline(5), "corr")


@pytest.fixture
def kustom_env(env) -> dict[str, str]:
    return {**env, "KUSTOM_API_KEY": "kco_test_api_unit-key", "KUSTOM_API_URL": "https://kustom.example.test/"}


@pytest.fixture
def kustom_api(provider_api):
    return provider_api


@pytest.fixture
def kustom(kustom_env, kustom_api) -> Kustom:
    settings = read_settings({**kustom_env, "KUSTOM_API_URL": kustom_api.url})
    return Providers.from_settings(settings, Commercetools(settings.commercetools)).get("kustom")


def test_configuration_from_the_environment(kustom, kustom_env, env):
    assert read_settings(kustom_env).providers["kustom"].api_url == "https://kustom.example.test"
    assert "kco_test_api_unit-key" not in repr(kustom.config)
    assert kustom.context.notification_url == "https://notifications.example.test/notifications/kustom"
    assert "kustom" not in read_settings(env).providers  # no key, no Kustom
    playground = read_settings({**kustom_env, "KUSTOM_API_URL": ""}).providers["kustom"]
    assert playground.api_url == "https://api.playground.kustom.co"
    with pytest.raises(ConfigError, match="KUSTOM_API_URL"):
        read_settings({**kustom_env, "KUSTOM_API_URL": "http://kustom.example.test"})


def test_open_session_charges_the_customer_token(kustom, kustom_api, call):
    payment = kustom_payment()
    kustom_api.post(
        "/customer-token/v1/tokens/0b1d9815-165e-42e2-8867-35bc03789e00/order",
        json=order_answer(),
    )
    session = kustom.open_session(payment, call)
    [call] = kustom_api.calls
    assert call.headers["Klarna-Idempotency-Key"] == mapping.idempotency_key(payment.id)
    assert call.json()["merchant_urls"]["push"] == (
        "https://notifications.example.test/notifications/kustom?order_id={checkout.order.id}"
    )
    assert session.interface_id == "ord-1"


def test_a_declined_payment_is_not_charged_again(kustom, kustom_api, call):
    data = payment_json(interface="kustom", session_request=kustom_request())
    data["transactions"] = [transaction_json("Authorization", "Failure", mapping.idempotency_key(data["id"]))]
    session = kustom.open_session(Payment.from_json(data), call)
    assert (session.interface_id, session.transactions, session.interactions, session.response) == (None, (), (), None)
    assert len(kustom_api.calls) == 0


def test_a_push_is_read_back_from_kustom(kustom, kustom_api, call):
    kustom_api.get(f"{ORDERS}/ord-1", json=managed_order("p1"))
    event = kustom.read_notification(Notification("POST", query={"order_id": "ord-1"}), call)
    assert event.payment_id == "p1"
    assert [(t.type, t.state) for t in event.transactions] == [("Authorization", "Success")]
    assert kustom_api.calls[0].headers["Authorization"] == "Basic kco_test_api_unit-key"


def test_an_order_kustom_does_not_know_is_a_bad_notification(kustom, kustom_api, call):
    kustom_api.get(f"{ORDERS}/ord-404", status=404, json={"error_code": "NO_SUCH_ORDER"})
    with pytest.raises(InvalidNotification, match="ord-404"):
        kustom.read_notification(Notification("POST", query={"order_id": "ord-404"}), call)


def test_kustom_down_while_reading_back_is_unavailability(kustom, kustom_api, call):
    kustom_api.get(f"{ORDERS}/ord-1", status=503, json={"error_code": "SERVICE_UNAVAILABLE"})
    with pytest.raises(ProviderUnavailable):
        kustom.read_notification(Notification("POST", query={"order_id": "ord-1"}), call)


def test_a_malformed_notification_reads_nothing_back(kustom, kustom_api, call):
    with pytest.raises(InvalidNotification):
        kustom.read_notification(Notification("POST", body=b'{"event_type": "FRAUD_RISK_ACCEPTED"}'), call)
    assert kustom_api.calls == []


def test_after_applying_the_order_is_acknowledged(kustom, kustom_api, call):
    kustom_api.get(f"{ORDERS}/ord-1", json=managed_order("p1"))
    kustom_api.post(f"{ORDERS}/ord-1/acknowledge", status=204)
    event = kustom.read_notification(Notification("POST", query={"order_id": "ord-1"}), call)
    kustom.after_applied(event, call)
    assert [call.method for call in kustom_api.calls] == ["GET", "POST"]


def test_kustom_captures_refunds_and_cancels_what_is_left_at_once(kustom):
    assert kustom.modification_reach == {"Charge": "partial", "Refund": "partial", "CancelAuthorization": "whole"}


def test_a_capture_is_sent_and_done_under_kustoms_capture_id(kustom, kustom_api, call):
    payment = kustom_payment(interface_id="ord-1")
    kustom_api.post(f"{ORDERS}/ord-1/captures", status=201, headers={"Capture-Id": "cap-1"})
    prepared = kustom.prepare_modification(
        payment, Modification("tx-1", "Charge", Money.of(1000, "EUR"), 1), Balance(authorized=1999)
    )
    result = kustom.send_modification(prepared, call)
    assert (result.state, result.interaction_id) == ("Success", "cap-1")
    assert kustom_api.calls[0].headers["Klarna-Idempotency-Key"] == "tx-1"


def test_a_refusal_is_raised_for_the_extension_to_record(kustom, kustom_api, call):
    kustom_api.post(
        f"{ORDERS}/ord-1/cancel",
        status=403,
        json={"error_code": "NOT_ALLOWED", "error_messages": ["Order is captured"]},
    )
    prepared = kustom.prepare_modification(
        kustom_payment(interface_id="ord-1"),
        Modification("tx-1", "CancelAuthorization", Money.of(1999, "EUR"), 1),
        Balance(authorized=1999),
    )
    with pytest.raises(ProviderRefused, match="Order is captured"):
        kustom.send_modification(prepared, call)


def test_reading_back_gives_the_orders_state_as_a_push_would(kustom, kustom_api, call):
    kustom_api.get(f"{ORDERS}/ord-1", json=managed_order("p1", status="CAPTURED"))
    event = kustom.read_back(kustom_payment(interface_id="ord-1"), call)
    assert event.interaction.type == "kustom.readBack"
    assert event.interaction.request["order_id"] == "ord-1"
    assert [(t.type, t.interaction_id) for t in event.transactions] == [("Authorization", "ord-1"), ("Charge", "cap-1")]


def test_nothing_is_read_back_without_an_order(kustom, kustom_api, call):
    kustom_api.get(f"{ORDERS}/ord-404", status=404, json={"error_code": "NO_SUCH_ORDER"})
    assert kustom.read_back(kustom_payment(), call) is None
    assert kustom_api.calls == []
    assert kustom.read_back(kustom_payment(interface_id="ord-404"), call) is None


def test_kustom_down_while_reading_back_for_reconciliation_is_unavailability(kustom, kustom_api, call):
    kustom_api.get(f"{ORDERS}/ord-1", status=503, body="")
    with pytest.raises(ProviderUnavailable):
        kustom.read_back(kustom_payment(interface_id="ord-1"), call)
