import json
from urllib.parse import urlencode

import pytest
from requests.structures import CaseInsensitiveDict
from werkzeug import Response

from connector.ctp import Commercetools
from connector.errors import InvalidInput, InvalidNotification, NotAuthentic, ProviderDisabled, ProviderUnavailable
from connector.http import Deadline
from connector.payment import Payment
from connector.providers import Providers, read_settings
from connector.providers.base import Call, Notification, ProviderContext
from connector.providers.paynova import Paynova
from connector.providers.paynova.signature import body_digest
from tests.connector.providers.paynova.paynova_api import CREATE, INITIALIZE, ORDER_ID, SUCCESS
from tests.factories import payment_json, paynova_session_request, signed_paynova_event

PAYNOVA_ENV = {
    "PAYNOVA_MERCHANT_ID": "4999",
    "PAYNOVA_API_PASSWORD": "paynova-password-value",
    "PAYNOVA_SECRET_KEY": "paynova-secret-value",
    "PAYNOVA_API_URL": "https://paynova.example.test/api",
}
SESSION = {"status": SUCCESS, "sessionId": "s-1", "url": "https://paynova.example.test/aero/s-1"}


class MemoryState:
    """ProviderState in a dict, as commercetools custom objects behave for one replica;
    it counts the reads, each a commercetools request."""

    def __init__(self, records=None):
        self.records = dict(records or {})
        self.reads = 0

    def get(self, key, deadline):
        self.reads += 1
        return self.records.get(key)

    def create(self, key, value, deadline):
        return self.records.setdefault(key, value)


@pytest.fixture
def env(env):
    """The test configuration with Paynova's credentials."""
    return {**env, **PAYNOVA_ENV}


@pytest.fixture
def paynova_api(httpserver, env):
    """Paynova's API as a real local HTTP server; request it before `settings`."""
    env["PAYNOVA_API_URL"] = httpserver.url_for("/api")
    return httpserver


@pytest.fixture
def state():
    return MemoryState()


@pytest.fixture
def paynova(paynova_api, settings, state):
    return Paynova(
        settings.providers["paynova"],
        ProviderContext("https://notifications.example.test/notifications/paynova", state),
    )


def paynova_payment(**fields) -> Payment:
    return Payment.from_json(payment_json(interface="paynova", session_request=paynova_session_request(), **fields))


def call(new_payment: bool = False) -> Call:
    """An Update's call unless `new_payment` (a Create's)."""
    return Call(Deadline(5), "corr", new_payment)


def posted(httpserver, path):
    return [json.loads(request.get_data()) for request, _ in httpserver.log if request.path == path]


def test_the_registry_builds_paynova_from_its_settings(env):
    settings = read_settings({**env, "PAYNOVA_API_URL": "https://paynova.example.test/api/"})
    config = settings.providers["paynova"]
    assert (config.merchant_id, config.api_url) == ("4999", "https://paynova.example.test/api")
    paynova = Providers.from_settings(settings, Commercetools(settings.commercetools)).get("paynova")
    assert paynova.context.notification_url == "https://notifications.example.test/notifications/paynova"
    assert "paynova-password-value" not in repr(config) and "paynova-secret-value" not in repr(config)


def test_without_credentials_paynova_is_disabled(env):
    for name in ("PAYNOVA_MERCHANT_ID", "PAYNOVA_API_PASSWORD", "PAYNOVA_SECRET_KEY"):
        del env[name]
    settings = read_settings(env)
    with pytest.raises(ProviderDisabled):
        Providers.from_settings(settings, Commercetools(settings.commercetools)).get("paynova")


@pytest.mark.parametrize(("new_payment", "reads"), [(True, 0), (False, 1)])
def test_a_session_creates_the_order_and_initializes_the_payment_recording_nothing(
    paynova, paynova_api, state, new_payment, reads
):
    """On the checkout's success path commercetools is asked nothing for a new payment,
    and only whether an earlier attempt left an order for an existing one."""
    paynova_api.expect_request(CREATE, method="POST").respond_with_json(
        {"status": SUCCESS, "orderId": ORDER_ID}, status=201
    )
    paynova_api.expect_request(INITIALIZE, method="POST").respond_with_json(SESSION)
    payment = paynova_payment()
    session = paynova.open_session(payment, call(new_payment))
    assert (session.interface_id, session.session_token, session.redirect_url) == (ORDER_ID, "s-1", SESSION["url"])
    assert [i.type for i in session.interactions] == ["paynova.createOrder", "paynova.initializePayment"]
    [order] = posted(paynova_api, CREATE)
    assert (order["orderNumber"], order["totalAmount"], order["currencyCode"]) == (payment.id, "19.99", "EUR")
    [initialize] = posted(paynova_api, INITIALIZE)
    assert initialize["interfaceOptions"]["urlCallback"] == "https://notifications.example.test/notifications/paynova"
    assert (state.records, state.reads) == ({}, reads)


def test_a_new_payments_failed_session_records_nothing(paynova, paynova_api, state):
    """A failed Create stores no payment, so no retry can reuse its order."""
    paynova_api.expect_request(CREATE).respond_with_json({"status": SUCCESS, "orderId": ORDER_ID})
    paynova_api.expect_request(INITIALIZE).respond_with_json({"status": {"isSuccess": False, "errorNumber": -1}})
    with pytest.raises(ProviderUnavailable):
        paynova.open_session(paynova_payment(), call(new_payment=True))
    assert (state.records, state.reads) == ({}, 0)


def test_after_a_failed_session_the_next_attempt_reuses_the_order(paynova, paynova_api):
    paynova_api.expect_request(CREATE).respond_with_json({"status": SUCCESS, "orderId": ORDER_ID})
    failure = {"status": {"isSuccess": False, "errorNumber": -1, "statusKey": "INTERNAL_ERROR"}}
    paynova_api.expect_oneshot_request(INITIALIZE).respond_with_json(failure)
    paynova_api.expect_request(INITIALIZE).respond_with_json(SESSION)
    payment = paynova_payment()
    with pytest.raises(ProviderUnavailable):
        paynova.open_session(payment, call())
    session = paynova.open_session(payment, call())
    assert session.interface_id == ORDER_ID
    assert len(posted(paynova_api, CREATE)) == 1 and len(posted(paynova_api, INITIALIZE)) == 2
    assert [i.type for i in session.interactions] == ["paynova.initializePayment"]


def test_an_order_recorded_first_by_a_concurrent_attempt_is_kept_and_ours_logged_unused(
    paynova, paynova_api, state, caplog
):
    """Two Updates of one payment both created an order and both failed to open its
    session: the record that was first stays, for the retry to reuse, and the other
    order is logged as left unused."""
    payment = paynova_payment()
    theirs = {"orderId": "their-order", "totalAmount": "19.99", "currencyCode": "EUR"}
    create = state.create

    def create_after_theirs(key, value, deadline):
        create(key, theirs, deadline)  # the other attempt records its order first
        return create(key, value, deadline)

    state.create = create_after_theirs
    paynova_api.expect_request(CREATE).respond_with_json({"status": SUCCESS, "orderId": ORDER_ID})
    paynova_api.expect_request(INITIALIZE).respond_with_json({"status": {"isSuccess": False, "errorNumber": -1}})
    with pytest.raises(ProviderUnavailable):
        paynova.open_session(payment, call())
    assert state.records == {payment.id: theirs}
    assert f"Paynova order {ORDER_ID} is left unused for their-order" in caplog.text


def test_an_order_recorded_for_another_amount_is_not_reused(paynova, paynova_api):
    payment = paynova_payment()
    paynova.context.state.create(payment.id, {"orderId": ORDER_ID, "totalAmount": "29.99", "currencyCode": "EUR"}, None)
    with pytest.raises(InvalidInput, match=r"29\.99"):
        paynova.open_session(payment, call())
    assert paynova_api.log == []


def test_both_calls_share_one_deadline(paynova, paynova_api):
    now = [0.0]
    deadline = Deadline(5, clock=lambda: now[0])

    def slow_create(_request):
        now[0] += 6  # the order took longer than the whole answer may
        return Response(json.dumps({"status": SUCCESS, "orderId": ORDER_ID}), content_type="application/json")

    paynova_api.expect_request(CREATE).respond_with_handler(slow_create)
    with pytest.raises(ProviderUnavailable, match="deadline"):
        paynova.open_session(paynova_payment(), Call(deadline, "corr"))
    assert posted(paynova_api, INITIALIZE) == []


def test_an_invalid_session_request_calls_no_one(paynova, paynova_api, state):
    payment = Payment.from_json(payment_json(interface="paynova", session_request={"lineItems": []}))
    with pytest.raises(InvalidInput):
        paynova.open_session(payment, call())
    assert paynova_api.log == [] and state.records == {}


def form_notification(fields: dict, headers: dict | None = None) -> Notification:
    body = urlencode(fields).encode()
    return Notification("POST", form=fields, headers=CaseInsensitiveDict(headers or {}), body=body)


def test_a_digested_notification_becomes_an_event(paynova):
    event = paynova.read_notification(form_notification(signed_paynova_event()), call())
    [change] = event.transactions
    assert (event.payment_id, change.type, change.state, change.interaction_id) == (
        "payment-1",
        "Authorization",
        "Success",
        "201405281543270574",
    )
    assert "DIGEST" not in event.interaction.request


def test_the_body_digest_is_verified_when_sent(paynova):
    fields = signed_paynova_event()
    body = urlencode(fields).encode()
    header = {"pn-digest": body_digest(body, "paynova-secret-value")}
    paynova.read_notification(form_notification(fields, header), call())
    with pytest.raises(NotAuthentic):
        paynova.read_notification(
            form_notification(fields, {"Pn-Digest": body_digest(b"other", "paynova-secret-value")}), call()
        )


def test_authenticity_comes_before_anything_else(paynova):
    for fields in (
        {"ORDER_NUMBER": "p"},
        {**signed_paynova_event(), "DIGEST": "0" * 40},
        signed_paynova_event("another-secret"),
    ):
        with pytest.raises(NotAuthentic):
            paynova.read_notification(form_notification(fields), call())


def test_a_notification_for_another_merchant_is_refused(paynova):
    with pytest.raises(InvalidNotification, match="MERCHANT_ID"):
        paynova.read_notification(form_notification(signed_paynova_event(MERCHANT_ID="5000")), call())


def test_an_authentic_but_malformed_notification_is_invalid(paynova):
    fields = signed_paynova_event()
    del fields["TRANSACTION_ID"]
    with pytest.raises(InvalidNotification, match="TRANSACTION_ID"):
        paynova.read_notification(form_notification(fields), call())
