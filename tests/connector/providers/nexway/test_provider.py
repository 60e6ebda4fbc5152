import base64
import json

import pytest

from connector.ctp import Commercetools
from connector.environment import ConfigError
from connector.errors import NotAuthentic
from connector.http import Deadline
from connector.payment import Payment
from connector.providers import Providers, read_settings
from connector.providers.base import Call, Notification
from connector.settings import Settings
from notification.app import create_app
from tests.factories import nexway_order_event, nexway_session_request, payment_json, transaction_json

NEXWAY_ENV = {
    "NEXWAY_SECRET": "catalog-secret-value",
    "NEXWAY_CLIENT_SECRET": "client-secret-value",
    "NEXWAY_REALM": "reseller-realm",
    "NEXWAY_NOTIFICATION_USERNAME": "nexway",
    "NEXWAY_NOTIFICATION_PASSWORD": "notify-password",
    "NEXWAY_API_URL": "https://nexway.example.test/",
}
BASIC = {"Authorization": "Basic " + base64.b64encode(b"nexway:notify-password").decode()}
API = "https://api.example.test/shop"


def call() -> Call:
    """A fresh request context: its deadline starts now, not at import."""
    return Call(Deadline(5), "corr")


@pytest.fixture
def nexway_settings(env) -> Settings:
    return read_settings({**env, **NEXWAY_ENV})


@pytest.fixture
def nexway(nexway_settings):
    return Providers.from_settings(nexway_settings, Commercetools(nexway_settings.commercetools)).get("nexway")


def test_reads_its_settings(nexway):
    assert nexway.config.api_url == "https://nexway.example.test"
    assert nexway.config.realm == "reseller-realm"
    assert "catalog-secret-value" not in repr(nexway.config) and "notify-password" not in repr(nexway.config)


def test_defaults_to_the_uat_host(env):
    settings = read_settings({**env, **{k: v for k, v in NEXWAY_ENV.items() if k != "NEXWAY_API_URL"}})
    assert settings.providers["nexway"].api_url == "https://api-uat.staging.nexway.build"


def test_without_credentials_nexway_is_disabled(settings):
    assert "nexway" not in settings.providers


def test_notification_credentials_are_required_with_the_others(env):
    partial = {k: v for k, v in NEXWAY_ENV.items() if k != "NEXWAY_NOTIFICATION_PASSWORD"}
    with pytest.raises(ConfigError, match="NEXWAY_NOTIFICATION_PASSWORD is required"):
        read_settings({**env, **partial})


def test_a_lost_answer_is_recovered_from_the_existing_order(env, provider_api):
    settings = read_settings({**env, **NEXWAY_ENV, "NEXWAY_API_URL": provider_api.url})
    nexway = Providers.from_settings(settings, Commercetools(settings.commercetools)).get("nexway")
    payment = Payment.from_json(payment_json(interface="nexway", session_request=nexway_session_request()))
    provider_api.post("/iam/tokens", json={"access_token": "t", "expires_in": 3600})
    provider_api.post(
        "/connect/order/new",
        json={
            "responseCode": 1010,
            "responseMessage": "Order already created",
            "orderNumber": 7001,
            "partnerOrderNumber": payment.id,
        },
    )
    provider_api.get(
        "/connect/order/7001",
        json={
            "responseCode": 0,
            "responseMessage": "OK",
            "orderNumber": 7001,
            "partnerOrderNumber": payment.id,
            "status": "COMPLETED",
        },
    )
    session = nexway.open_session(payment, call())
    assert (session.interface_id, session.status_code) == ("7001", "COMPLETED")
    assert [i.type for i in session.interactions] == ["nexway.createOrder", "nexway.getOrder"]
    assert session.interactions[0].request["partnerOrderNumber"] == payment.id


def order_event(type_="completed", **order) -> bytes:
    return json.dumps(nexway_order_event(type_, **order)).encode()


def test_credentials_are_checked_before_the_body_is_read(nexway):
    wrong = {"Authorization": "Basic " + base64.b64encode(b"nexway:guess").decode()}
    for headers in ({}, wrong):
        with pytest.raises(NotAuthentic):
            nexway.read_notification(Notification("POST", headers=headers, body=b"not json"), call())


def test_an_authentic_notification_becomes_an_event(nexway):
    event = nexway.read_notification(Notification("POST", headers=BASIC, body=order_event()), call())
    assert (event.payment_id, event.status_code, event.transactions[0].state) == ("payment-1", "COMPLETED", "Success")


@pytest.fixture
def notifications(nexway_settings):
    return create_app(nexway_settings).test_client()


def updates(mocked) -> list[dict]:
    return [
        json.loads(c.request.body) for c in mocked.calls if c.request.method == "POST" and "/payments/" in c.request.url
    ]


def test_wrong_credentials_are_refused_before_commercetools_is_asked(notifications, commercetools_api):
    answer = notifications.post(
        "/notifications/nexway", data=order_event(), headers={"Authorization": "Basic bm9wZTpub3Bl"}
    )
    assert (answer.status_code, answer.json) == (401, {"message": "not authentic"})
    assert len(commercetools_api.calls) == 0


def test_a_cancellation_of_a_completed_order_is_refunded(notifications, commercetools_api):
    payment = payment_json(
        interface="nexway", interface_id="7001", transactions=[transaction_json("Charge", "Success", "7001")]
    )
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    commercetools_api.post(f"{API}/payments/{payment['id']}", json={**payment, "version": 2})
    answer = notifications.post(
        "/notifications/nexway", data=order_event("canceled", partnerOrderNumber=payment["id"]), headers=BASIC
    )
    assert (answer.status_code, answer.json) == (200, {"status": "applied"})
    [update] = updates(commercetools_api)
    added = next(a for a in update["actions"] if a["action"] == "addTransaction")["transaction"]
    assert (added["type"], added["state"], added["interactionId"]) == ("Refund", "Success", "7001")
    assert {"action": "setStatusInterfaceCode", "interfaceCode": "CANCELED"} in update["actions"]
