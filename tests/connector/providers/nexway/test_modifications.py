"""Nexway's refund and cancellation: PUT /connect/order/cancel for the whole order, its
answer read (a refusal of an order cancelled already is done), and the order read back
for reconciliation. Nexway's API is a real local HTTP server with scripted answers."""

import json

import pytest

from connector.ctp import Commercetools
from connector.errors import OperationNotPossible, ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.modifications import Balance, Modification, check
from connector.money import Money
from connector.payment import Payment
from connector.providers import Providers, read_settings
from connector.providers.base import Call
from connector.providers.nexway import mapping
from tests.factories import payment_json, transaction_json

from .test_provider import NEXWAY_ENV

CANCEL = "/connect/order/cancel"


@pytest.fixture
def nexway(env, provider_api):
    settings = read_settings({**env, **NEXWAY_ENV, "NEXWAY_API_URL": provider_api.url})
    provider_api.post("/iam/tokens", json={"access_token": "token-1", "expires_in": 3600})
    return Providers.from_settings(settings, Commercetools(settings.commercetools)).get("nexway")


def payment(charge_state: str = "Success", *others: dict, interface_id: str | None = "7001") -> Payment:
    charge = transaction_json("Charge", charge_state, "7001")
    return Payment.from_json(
        payment_json(interface="nexway", interface_id=interface_id, transactions=[charge, *others])
    )


def modification(type_: str = "Refund", cents: int = 1999) -> Modification:
    return Modification("ct-refund-1", type_, Money.of(cents, "EUR"), 1)


def sent(nexway, paid: Payment, type_: str = "Refund"):
    prepared = nexway.prepare_modification(paid, modification(type_), Balance.of(paid.transactions, "EUR"))
    return prepared, nexway.send_modification(prepared, Call(Deadline(5), "corr"))


def answer(code: int, message: str = "OK", **fields) -> dict:
    return {"responseCode": code, "responseMessage": message, **fields}


def test_a_refund_cancels_the_order_with_the_connector_s_reason_and_the_transaction_named(nexway, provider_api):
    paid = payment()
    provider_api.add("PUT", CANCEL, json=answer(0, partnerOrderNumber=paid.id, orderNumber=7001))
    prepared, result = sent(nexway, paid)
    assert prepared.operation == "nexway.refund"
    [call] = provider_api.calls_to(CANCEL)
    assert json.loads(call.body) == {
        "partnerOrderNumber": paid.id,
        "reasonCode": 2,
        "comment": "commercetools Refund ct-refund-1",
    }
    assert (call.headers["secret"], call.headers["Authorization"]) == ("catalog-secret-value", "Bearer token-1")
    assert prepared.logged == json.loads(call.body)
    assert (result.state, result.interaction_id) == ("Success", "7001")
    assert result.response == answer(0, partnerOrderNumber=paid.id, orderNumber=7001)


def test_a_cancellation_of_an_order_still_waiting_is_the_same_call(nexway, provider_api):
    provider_api.add("PUT", CANCEL, json=answer(0))
    prepared, result = sent(nexway, payment("Pending"), "CancelAuthorization")
    assert (prepared.operation, result.state, result.interaction_id) == ("nexway.cancel", "Success", "7001")


def test_a_refusal_of_an_order_cancelled_already_is_done(nexway, provider_api):
    """What commercetools' retry gets after the first cancellation's answer was lost."""
    provider_api.add("PUT", CANCEL, json=answer(1071, "Order already cancelled"))
    provider_api.get("/connect/order/7001", json=answer(0, orderNumber=7001, status="canceled"))
    _, result = sent(nexway, payment())
    assert (result.state, result.interaction_id) == ("Success", "7001")
    assert result.response == {
        "cancel": answer(1071, "Order already cancelled"),
        "order": {"status": "canceled"},
    }


def test_a_refusal_of_an_order_not_cancelled_stands(nexway, provider_api):
    provider_api.add("PUT", CANCEL, json=answer(1072, "Order cannot be cancelled"))
    provider_api.get("/connect/order/7001", json=answer(0, orderNumber=7001, status="COMPLETED"))
    with pytest.raises(ProviderRefused) as raised:
        sent(nexway, payment())
    assert (raised.value.code, raised.value.message) == ("1072", "Order cannot be cancelled")
    assert raised.value.details == {"responseCode": 1072, "orderStatus": "COMPLETED"}


def test_a_refusal_stands_when_the_order_cannot_be_read(nexway, provider_api):
    provider_api.add("PUT", CANCEL, json=answer(71, "Secret is invalid"))
    provider_api.get("/connect/order/7001", body="down", status=503)
    with pytest.raises(ProviderRefused) as raised:
        sent(nexway, payment())
    assert raised.value.details == {"responseCode": 71}


@pytest.mark.parametrize("failure", [{"body": "<html>504</html>", "status": 504}, {"json": {"unexpected": True}}])
def test_no_answer_is_unavailability(nexway, provider_api, failure):
    provider_api.add("PUT", CANCEL, **failure)
    with pytest.raises(ProviderUnavailable):
        sent(nexway, payment())


def test_without_a_nexway_order_nothing_is_called(nexway):
    with pytest.raises(OperationNotPossible, match="no Nexway order"):
        sent(nexway, payment(interface_id=None))


def test_no_capture_and_only_the_whole_order(nexway):
    """The rules the extension applies before any call (connector/modifications.py)."""

    def checked(paid: Payment, type_: str, cents: int) -> None:
        balance = Balance.of(paid.transactions, "EUR")
        left = nexway.available(balance, type_)
        check(modification(type_, cents), left, "nexway", nexway.modification_reach, nexway.cannot)

    with pytest.raises(OperationNotPossible, match="Nexway charges when the order is placed"):
        checked(payment("Pending"), "Charge", 100)
    with pytest.raises(OperationNotPossible, match=r"everything that is left at once: 19\.99 EUR, not 10\.00 EUR"):
        checked(payment(), "Refund", 1000)
    with pytest.raises(OperationNotPossible, match="everything that is left at once"):
        checked(payment("Pending"), "CancelAuthorization", 1000)
    checked(payment(), "Refund", 1999)
    checked(payment("Pending"), "CancelAuthorization", 1999)


def test_a_cancellation_stops_a_pending_charge_only(nexway):
    assert nexway.available(Balance.of(payment("Pending").transactions, "EUR"), "CancelAuthorization") == 1999
    assert nexway.available(Balance.of(payment("Success").transactions, "EUR"), "CancelAuthorization") == 0
    cancelled = payment("Pending", transaction_json("CancelAuthorization", "Pending", "7001"))
    assert nexway.available(Balance.of(cancelled.transactions, "EUR"), "CancelAuthorization") == 0
    assert nexway.available(Balance.of(payment("Pending").transactions, "EUR"), "Refund") == 0


# Reconciliation.


def read_back(nexway, paid: Payment):
    return nexway.read_back(paid, Call(Deadline(5), "corr"))


def test_the_order_is_read_back_as_its_notification_would_carry_it(nexway, provider_api):
    assert nexway.reads_back is True
    paid = payment("Pending")
    order = answer(0, orderNumber=7001, partnerOrderNumber=paid.id, status="COMPLETED", orderLines=[])
    provider_api.get("/connect/order/7001", json=order)
    event = read_back(nexway, paid)
    assert event.payment_id == paid.id
    assert [(c.type, c.state, c.interaction_id) for c in event.transactions] == [("Charge", "Success", "7001")]
    assert (event.status_code, event.status_text) == ("COMPLETED", "completed")
    assert event.interaction.type == "nexway.getOrder"
    assert event.interaction.request["order"] == {"id": "7001", "status": "COMPLETED", "partnerOrderNumber": paid.id}
    assert event.interaction.response == order
    mapping.check_against(event, paid)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("FRAUD_PENDING", [("Charge", "Pending")]),
        ("paymentPending", [("Charge", "Pending")]),
        ("CANCELED", [("Charge", "Failure")]),
        ("PENDING_WITH_ERROR", []),
        ("SOMETHING_NEW", [("Charge", "Pending")]),
    ],
)
def test_each_status_reads_back_as_its_event(nexway, provider_api, status, expected):
    provider_api.get("/connect/order/7001", json=answer(0, orderNumber=7001, status=status))
    event = read_back(nexway, payment("Pending"))
    assert [(c.type, c.state) for c in event.transactions] == expected
    assert event.status_code == status


def test_nothing_is_read_back_without_an_order_or_for_one_nexway_does_not_know(nexway, provider_api):
    assert read_back(nexway, payment(interface_id=None)) is None
    provider_api.get("/connect/order/7001", json=answer(1030, "Order not found"))
    assert read_back(nexway, payment()) is None


def test_a_failed_read_back_is_unavailability(nexway, provider_api):
    provider_api.get("/connect/order/7001", body="down", status=502)
    with pytest.raises(ProviderUnavailable):
        read_back(nexway, payment())
