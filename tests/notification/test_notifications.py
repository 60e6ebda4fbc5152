"""The Notifications service: a notification read, fitted to its payment as read for each
update attempt, applied and acknowledged, with a provider scripted here."""

import json
from dataclasses import replace

import pytest

from connector import ctp
from connector.ctp import Commercetools
from connector.errors import CommercetoolsUnavailable, InvalidNotification, NotAuthentic, PaymentNotFound
from connector.money import Money
from connector.payment import Payment
from connector.providers import Providers
from connector.providers.base import Event, Interaction, Notification, Provider, TransactionChange
from notification.notifications import Notifications, Outcome
from tests.factories import payment_json, transaction_json

API = "https://api.example.test/shop"

CANCELED = Event(
    "p1",
    Interaction("test.cancel", {"type": "canceled"}),
    transactions=(TransactionChange("Charge", "Failure", "O-1"),),
)
RECEIVED = Notification("POST", body=b"{}")


class RefundingProvider(Provider):
    """Reads every notification as CANCELED (or refuses it as forged), turns the Failure
    of a charge that already succeeded into a Refund, and records what it is asked."""

    name = "nuvei"

    def __init__(self, event: Event = CANCELED, forged: bool = False):
        super().__init__(None, None, client=self)  # type: ignore[arg-type] # it answers itself
        self.event = event
        self.forged = forged
        self.fitted: list[Payment] = []
        self.acknowledged: list[Event] = []

    @classmethod
    def config_from_env(cls, env):
        return None

    def open_session(self, payment, call):
        raise NotImplementedError

    def read_notification(self, notification, call):
        if self.forged:
            raise NotAuthentic("forged")
        return self.event

    def fit_event(self, event, payment):
        self.fitted.append(payment)
        charge = payment.transaction("O-1", "Charge")
        if charge is None or charge.state != "Success":
            return event
        return replace(event, transactions=(TransactionChange("Refund", "Success", "O-1"),))

    def after_applied(self, event, call):
        self.acknowledged.append(event)


class OnePayment:
    """commercetools holding one payment; records the actions it was asked to apply."""

    def __init__(self, payment: dict, failure: Exception | None = None):
        self.payment = Payment.from_json(payment)
        self.failure = failure
        self.applied: list[list[dict]] = []

    def modify_payment(self, payment_id, plan, correlation_id=None, deadline=None, just_read=None):
        if self.failure is not None:
            raise self.failure
        actions = plan(self.payment)
        if actions:
            self.applied.append(actions)
        return self.payment, bool(actions)


def service(provider: Provider, commercetools) -> Notifications:
    return Notifications(Providers({provider.name: provider}), commercetools, timeout=5.0)


def added_transactions(commercetools: OnePayment) -> list[tuple[str, str]]:
    return [
        (action["transaction"]["type"], action["transaction"]["state"])
        for actions in commercetools.applied
        for action in actions
        if action["action"] == "addTransaction"
    ]


def test_the_fitted_event_is_what_is_applied():
    charged = OnePayment(payment_json(transactions=[transaction_json("Charge", "Success", "O-1")]))
    assert service(RefundingProvider(), charged).apply(RefundingProvider(), CANCELED, "corr")
    assert added_transactions(charged) == [("Refund", "Success")]


def test_an_event_the_provider_leaves_alone_is_applied_as_read():
    pending = OnePayment(payment_json(transactions=[transaction_json("Charge", "Pending", "O-1")]))
    assert service(RefundingProvider(), pending).apply(RefundingProvider(), CANCELED, "corr")
    [actions] = pending.applied
    assert {
        "action": "changeTransactionState",
        "transactionId": pending.payment.transactions[0].id,
        "state": "Failure",
    } in actions
    assert added_transactions(pending) == []


def test_a_notification_is_read_then_applied_then_acknowledged():
    provider = RefundingProvider()
    commercetools = OnePayment(payment_json(transactions=[transaction_json("Charge", "Success", "O-1")]))
    updates_when_read = []
    outcome = service(provider, commercetools).receive(
        "nuvei", RECEIVED, "corr", on_read=lambda event: updates_when_read.append((event, len(commercetools.applied)))
    )
    assert (outcome, outcome.status) == (Outcome("p1", changed=True), "applied")
    assert updates_when_read == [(CANCELED, 0)]
    assert added_transactions(commercetools) == [("Refund", "Success")]
    assert provider.acknowledged == [CANCELED]


def test_a_repeat_changes_nothing_and_is_acknowledged_again():
    """An earlier delivery may have been applied and then failed at the acknowledgement."""
    provider = RefundingProvider()
    failed_already = OnePayment(payment_json(transactions=[transaction_json("Charge", "Failure", "O-1")]))
    outcome = service(provider, failed_already).receive("nuvei", RECEIVED, "corr")
    assert (outcome, outcome.status) == (Outcome("p1", changed=False), "unchanged")
    assert failed_already.applied == []
    assert provider.acknowledged == [CANCELED]


def test_a_notification_that_is_not_authentic_changes_and_acknowledges_nothing():
    provider = RefundingProvider(forged=True)
    commercetools = OnePayment(payment_json())
    read = []
    with pytest.raises(NotAuthentic):
        service(provider, commercetools).receive("nuvei", RECEIVED, "corr", on_read=read.append)
    assert (read, provider.fitted, commercetools.applied, provider.acknowledged) == ([], [], [], [])


@pytest.mark.parametrize(
    ("failure", "refused"),
    [(PaymentNotFound("p1"), InvalidNotification), (CommercetoolsUnavailable("down"), CommercetoolsUnavailable)],
)
def test_a_notification_not_applied_is_not_acknowledged_but_its_payment_is_known(failure, refused):
    """An unknown payment is the notification's fault (400), commercetools failing is
    retried (503); either way the provider hears nothing that would stop its retries."""
    provider = RefundingProvider()
    read = []
    with pytest.raises(refused):
        service(provider, OnePayment(payment_json(), failure)).receive("nuvei", RECEIVED, "corr", on_read=read.append)
    assert [event.payment_id for event in read] == ["p1"]
    assert provider.acknowledged == []


@pytest.mark.parametrize(
    ("payment", "event", "message"),
    [
        (payment_json(interface="optty"), CANCELED, "is not a nuvei payment"),
        (
            payment_json(),
            replace(CANCELED, transactions=(TransactionChange("Charge", "Success", "O-1", Money(1999, "USD", 2)),)),
            "the notification is in USD, the payment in EUR",
        ),
    ],
)
def test_a_payment_of_another_provider_or_currency_is_refused_before_the_provider_fits_it(payment, event, message):
    provider = RefundingProvider(event)
    commercetools = OnePayment(payment)
    with pytest.raises(InvalidNotification, match=message):
        service(provider, commercetools).receive("nuvei", RECEIVED, "corr")
    assert (provider.fitted, commercetools.applied, provider.acknowledged) == ([], [], [])


def test_the_actions_a_dry_run_shows_are_the_ones_applied():
    """The reconciliation's --dry-run prints `actions`; its real run applies them."""
    provider = RefundingProvider()
    commercetools = OnePayment(payment_json(transactions=[transaction_json("Charge", "Success", "O-1")]))
    notifications = service(provider, commercetools)
    shown = notifications.actions(provider, CANCELED, commercetools.payment, "corr")
    assert notifications.apply(provider, CANCELED, "corr", just_read=commercetools.payment)
    assert commercetools.applied == [shown]


def test_a_concurrent_update_is_fitted_again_to_the_fresh_payment(settings, commercetools_api, monkeypatch):
    """commercetools answers 409: the event is fitted to the payment as it is now (the
    charge succeeded meanwhile, so the cancellation is a refund) and written on it."""
    monkeypatch.setattr(ctp.time, "sleep", lambda _seconds: None)
    stale = payment_json(transactions=[transaction_json("Charge", "Pending", "O-1")])
    fresh = {**stale, "version": 2, "transactions": [transaction_json("Charge", "Success", "O-1")]}
    url = f"{API}/payments/{stale['id']}"
    commercetools_api.get(url, json=stale)
    commercetools_api.post(url, status=409, json={"statusCode": 409, "message": "Version mismatch.", "errors": []})
    commercetools_api.get(url, json=fresh)
    commercetools_api.post(url, json={**fresh, "version": 3})
    provider = RefundingProvider(replace(CANCELED, payment_id=stale["id"]))
    outcome = service(provider, Commercetools(settings.commercetools)).receive("nuvei", RECEIVED, "corr")
    assert outcome == Outcome(stale["id"], changed=True)
    assert [payment.version for payment in provider.fitted] == [1, 2]
    updates = [
        json.loads(c.request.body)
        for c in commercetools_api.calls
        if c.request.method == "POST" and c.request.url == url
    ]
    assert [update["version"] for update in updates] == [1, 2]
    assert [a["transaction"]["type"] for a in updates[1]["actions"] if a["action"] == "addTransaction"] == ["Refund"]
    assert len(provider.acknowledged) == 1
