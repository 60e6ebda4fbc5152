"""apply_event: the provider's hooks run on the payment as read for each update attempt."""

from dataclasses import replace

from connector.payment import Payment
from connector.providers.base import Event, Interaction, Provider, TransactionChange
from notification.apply import apply_event
from tests.factories import payment_json, transaction_json


class RefundingProvider(Provider):
    """Turns a Failure of a charge that already succeeded into a Refund."""

    name = "nuvei"

    @classmethod
    def config_from_env(cls, env):
        return None

    def open_session(self, payment, call):
        raise NotImplementedError

    def read_notification(self, notification, call):
        raise NotImplementedError

    def fit_event(self, event, payment):
        charge = payment.transaction("O-1", "Charge")
        if charge is None or charge.state != "Success":
            return event
        return replace(event, transactions=(TransactionChange("Refund", "Success", "O-1"),))


class OnePayment:
    """commercetools holding one payment; records the actions it was asked to apply."""

    def __init__(self, payment: dict):
        self.payment = Payment.from_json(payment)
        self.applied: list[list[dict]] = []

    def modify_payment(self, payment_id, plan, correlation_id=None, deadline=None, just_read=None):
        actions = plan(self.payment)
        if actions:
            self.applied.append(actions)
        return self.payment, bool(actions)


CANCELED = Event(
    "p1",
    Interaction("test.cancel", {"type": "canceled"}),
    transactions=(TransactionChange("Charge", "Failure", "O-1"),),
)


def added_transactions(commercetools: OnePayment) -> list[tuple[str, str]]:
    return [
        (action["transaction"]["type"], action["transaction"]["state"])
        for actions in commercetools.applied
        for action in actions
        if action["action"] == "addTransaction"
    ]


def test_the_fitted_event_is_what_is_applied():
    charged = OnePayment(payment_json(transactions=[transaction_json("Charge", "Success", "O-1")]))
    assert apply_event(charged, RefundingProvider(None, None), CANCELED, "corr")
    assert added_transactions(charged) == [("Refund", "Success")]


def test_an_event_the_provider_leaves_alone_is_applied_as_read():
    pending = OnePayment(payment_json(transactions=[transaction_json("Charge", "Pending", "O-1")]))
    assert apply_event(pending, RefundingProvider(None, None), CANCELED, "corr")
    [actions] = pending.applied
    assert {
        "action": "changeTransactionState",
        "transactionId": pending.payment.transactions[0].id,
        "state": "Failure",
    } in actions
    assert added_transactions(pending) == []
