import json

import pytest
import responses

from connector.ctp import Commercetools
from connector.environment import ConfigError
from connector.errors import InvalidNotification, ProviderUnavailable
from connector.http import Deadline
from connector.payment import Payment
from connector.providers import Providers
from connector.providers.base import Call, Notification
from connector.providers.kustom import Kustom, mapping
from connector.settings import Settings
from tests.factories import payment_json, transaction_json

from .factories import kustom_payment, kustom_request, managed_order, order_answer

ORDERS = "https://kustom.example.test/ordermanagement/v1/orders"


@pytest.fixture
def call() -> Call:
    return Call(Deadline(5), "corr")


@pytest.fixture
def kustom_env(env) -> dict[str, str]:
    return {**env, "KUSTOM_API_KEY": "kco_test_api_unit-key", "KUSTOM_API_URL": "https://kustom.example.test/"}


@pytest.fixture
def kustom(kustom_env) -> Kustom:
    settings = Settings.from_env(kustom_env)
    return Providers.from_settings(settings, Commercetools(settings.commercetools)).get("kustom")



def test_configuration_from_the_environment(kustom, kustom_env, env):
    assert kustom.config.api_url == "https://kustom.example.test"
    assert "kco_test_api_unit-key" not in repr(kustom.config)
    assert kustom.context.notification_url == "https://notifications.example.test/notifications/kustom"
    assert "kustom" not in Settings.from_env(env).providers  # no key, no Kustom
    playground = Settings.from_env({**kustom_env, "KUSTOM_API_URL": ""}).providers["kustom"]
    assert playground.api_url == "https://api.playground.kustom.co"
    with pytest.raises(ConfigError, match="KUSTOM_API_URL"):
        Settings.from_env({**kustom_env, "KUSTOM_API_URL": "http://kustom.example.test"})


@responses.activate
def test_open_session_charges_the_customer_token(kustom, call):
    payment = kustom_payment()
    responses.post(
        "https://kustom.example.test/customer-token/v1/tokens/0b1d9815-165e-42e2-8867-35bc03789e00/order",
        json=order_answer(),
    )
    session = kustom.open_session(payment, call)
    [call] = responses.calls
    assert call.request.headers["Klarna-Idempotency-Key"] == mapping.idempotency_key(payment.id)
    assert json.loads(call.request.body)["merchant_urls"]["push"] == (
        "https://notifications.example.test/notifications/kustom?order_id={checkout.order.id}"
    )
    assert session.interface_id == "ord-1"


@responses.activate
def test_a_declined_payment_is_not_charged_again(kustom, call):
    data = payment_json(interface="kustom", session_request=kustom_request())
    data["transactions"] = [transaction_json("Authorization", "Failure", mapping.idempotency_key(data["id"]))]
    session = kustom.open_session(Payment.from_json(data), call)
    assert (session.interface_id, session.transactions, session.interactions, session.response) == (None, (), (), None)
    assert len(responses.calls) == 0


@responses.activate
def test_a_push_is_read_back_from_kustom(kustom, call):
    responses.get(f"{ORDERS}/ord-1", json=managed_order("p1"))
    event = kustom.read_notification(Notification("POST", query={"order_id": "ord-1"}), call)
    assert event.payment_id == "p1"
    assert [(t.type, t.state) for t in event.transactions] == [("Authorization", "Success")]
    assert responses.calls[0].request.headers["Authorization"] == "Basic kco_test_api_unit-key"


@responses.activate
def test_an_order_kustom_does_not_know_is_a_bad_notification(kustom, call):
    responses.get(f"{ORDERS}/ord-404", status=404, json={"error_code": "NO_SUCH_ORDER"})
    with pytest.raises(InvalidNotification, match="ord-404"):
        kustom.read_notification(Notification("POST", query={"order_id": "ord-404"}), call)


@responses.activate
def test_kustom_down_while_reading_back_is_unavailability(kustom, call):
    responses.get(f"{ORDERS}/ord-1", status=503, json={"error_code": "SERVICE_UNAVAILABLE"})
    with pytest.raises(ProviderUnavailable):
        kustom.read_notification(Notification("POST", query={"order_id": "ord-1"}), call)


def test_a_malformed_notification_reads_nothing_back(kustom, call):
    with responses.RequestsMock() as mocked:  # any HTTP call would fail the test
        with pytest.raises(InvalidNotification):
            kustom.read_notification(Notification("POST", body=b'{"event_type": "FRAUD_RISK_ACCEPTED"}'), call)
        assert len(mocked.calls) == 0


@responses.activate
def test_after_applying_the_order_is_acknowledged(kustom, call):
    responses.get(f"{ORDERS}/ord-1", json=managed_order("p1"))
    responses.post(f"{ORDERS}/ord-1/acknowledge", status=204)
    event = kustom.read_notification(Notification("POST", query={"order_id": "ord-1"}), call)
    kustom.after_applied(event, call)
    assert [call.request.method for call in responses.calls] == ["GET", "POST"]
