import json

from connector.actions import event_actions, session_actions, transaction_actions
from connector.money import Money
from connector.payment import Payment
from connector.providers.base import Event, Interaction, Session, TransactionChange
from tests.factories import payment_json, transaction_json

SESSION = Session(
    interface_id="410000001",
    session_token="token-1",
    response={"status": "SUCCESS", "orderId": "410000001"},
    status_code="SUCCESS",
    status_text="openOrder",
    interactions=(Interaction("nuvei.openOrder", {"checksum": "***"}, {"status": "SUCCESS"}),),
)


def by_action(actions):
    return {action["action"]: action for action in actions}


def test_session_on_a_payment_without_custom_type_sets_the_type():
    payment = Payment.from_json(payment_json())
    actions = by_action(session_actions(payment, SESSION, "corr-1"))
    assert actions["setCustomType"]["type"] == {"typeId": "type", "key": "connector-payment"}
    assert actions["setCustomType"]["fields"]["sessionToken"] == "token-1"
    assert json.loads(actions["setCustomType"]["fields"]["sessionResponse"])["orderId"] == "410000001"
    assert "redirectUrl" not in actions["setCustomType"]["fields"]
    assert actions["setInterfaceId"]["interfaceId"] == "410000001"
    assert actions["setStatusInterfaceCode"]["interfaceCode"] == "SUCCESS"
    interaction = actions["addInterfaceInteraction"]
    assert interaction["type"]["key"] == "connector-interaction"
    assert interaction["fields"]["type"] == "nuvei.openOrder"
    assert interaction["fields"]["correlationId"] == "corr-1"
    assert json.loads(interaction["fields"]["request"]) == {"checksum": "***"}


def test_session_on_a_payment_with_our_type_keeps_its_fields():
    payment = Payment.from_json(payment_json(session_request={"userTokenId": "u"}))
    actions = session_actions(payment, SESSION, "corr-1")
    assert "setCustomType" not in by_action(actions)
    set_fields = {a["name"]: a["value"] for a in actions if a["action"] == "setCustomField"}
    assert set(set_fields) == {"sessionToken", "sessionResponse"}


def dmn_event(state="Success", interaction_id="T-1", type_="Authorization", code="APPROVED"):
    return Event(
        payment_id="p",
        interaction=Interaction("nuvei.dmn", {"Status": code}),
        transactions=(TransactionChange(type_, state, interaction_id, Money.of(1999, "EUR")),),
        status_code=code,
        status_text="OK",
    )


def test_a_new_transaction_is_added_with_status_and_log():
    payment = Payment.from_json(payment_json())
    actions = by_action(event_actions(payment, dmn_event(), "corr-2"))
    assert actions["addTransaction"]["transaction"] == {
        "type": "Authorization",
        "amount": {"currencyCode": "EUR", "centAmount": 1999},
        "state": "Success",
        "interactionId": "T-1",
    }
    assert actions["setStatusInterfaceCode"]["interfaceCode"] == "APPROVED"
    assert actions["addInterfaceInteraction"]["fields"]["correlationId"] == "corr-2"


def test_a_repeat_changes_nothing_not_even_the_log():
    payment = Payment.from_json(payment_json(transactions=[transaction_json()], status_code="APPROVED"))
    assert event_actions(payment, dmn_event(), "corr-3") == []


def applied(payment_data: dict, actions: list[dict]) -> Payment:
    """The payment as commercetools would store it after `actions` (interactions only)."""
    recorded = [a for a in actions if a["action"] == "addInterfaceInteraction"]
    payment_data["interfaceInteractions"] += [
        {"type": {"typeId": "type", "id": "i"}, "fields": a["fields"]} for a in recorded
    ]
    return Payment.from_json(payment_data)


def test_a_status_only_notification_repeated_after_another_changes_nothing():
    data = payment_json(status_code="PENDING")
    expired = Event("p", Interaction("paynova.session", {"SESSION_STATUS": "EXPIRED", "at": 1}), status_code="EXPIRED")
    completed = Event(
        "p", Interaction("paynova.session", {"SESSION_STATUS": "COMPLETED", "at": 2}), status_code="COMPLETED"
    )
    payment = applied(data, event_actions(Payment.from_json(data), expired, "c"))
    payment = applied(data, event_actions(payment, completed, "c"))
    assert event_actions(payment, expired, "c") == []  # A, B, then A again


def test_pending_moves_to_success_on_the_same_transaction():
    pending = transaction_json(state="Pending")
    payment = Payment.from_json(payment_json(transactions=[pending], status_code="PENDING"))
    actions = by_action(event_actions(payment, dmn_event(), "c"))
    assert actions["changeTransactionState"] == {
        "action": "changeTransactionState",
        "transactionId": pending["id"],
        "state": "Success",
    }
    assert "addTransaction" not in actions


def test_a_late_pending_does_not_undo_success():
    payment = Payment.from_json(payment_json(transactions=[transaction_json()], status_code="APPROVED"))
    assert event_actions(payment, dmn_event(state="Pending", code="PENDING"), "c") == []


def test_a_final_state_is_final():
    payment = Payment.from_json(payment_json(transactions=[transaction_json(state="Failure")], status_code="DECLINED"))
    assert event_actions(payment, dmn_event(state="Success"), "c") == []


def test_same_interaction_id_of_another_type_is_another_transaction():
    payment = Payment.from_json(payment_json(transactions=[transaction_json()]))
    actions = by_action(event_actions(payment, dmn_event(type_="CancelAuthorization", code="VOIDED"), "c"))
    assert actions["addTransaction"]["transaction"]["type"] == "CancelAuthorization"


def test_an_event_without_transaction_may_still_record_a_status():
    payment = Payment.from_json(payment_json(status_code="PENDING"))
    status_only = Event("p", Interaction("paynova.session", {}), status_code="EXPIRED")
    assert [a["action"] for a in event_actions(payment, status_only, "c")] == [
        "setStatusInterfaceCode",
        "addInterfaceInteraction",
    ]
    already = Payment.from_json(payment_json(status_code="EXPIRED"))
    assert event_actions(already, status_only, "c") == []


def test_an_event_that_maps_to_nothing_changes_nothing():
    payment = Payment.from_json(payment_json())
    assert event_actions(payment, Event("p", Interaction("nuvei.dmn", {})), "c") == []


# Notifications about captures, refunds and cancellations the extension recorded.


def _refund(state: str, interaction_id: str | None, cents: int = 500) -> dict:
    recorded = {**transaction_json("Refund", state, interaction_id or ""), "id": f"refund-{interaction_id}"}
    recorded["amount"] = {**recorded["amount"], "centAmount": cents}
    if interaction_id is None:
        del recorded["interactionId"]
    return recorded


def _refunded(payment: Payment, interaction_id: str, cents: int = 500, matches_pending: bool = False) -> list[dict]:
    change = TransactionChange(
        "Refund", "Success", interaction_id, Money.of(cents, "EUR"), matches_pending=matches_pending
    )
    return transaction_actions(payment, change)


def test_a_notification_names_the_refund_the_extension_recorded_by_its_id():
    payment = Payment.from_json(payment_json(transactions=[_refund("Pending", "R-1")]))
    assert _refunded(payment, "R-1") == [
        {"action": "changeTransactionState", "transactionId": "refund-R-1", "state": "Success"}
    ]


def test_a_refund_recorded_without_the_providers_id_is_found_by_type_and_amount_and_gets_the_id():
    payment = Payment.from_json(payment_json(transactions=[_refund("Pending", "R-0", 900), _refund("Pending", None)]))
    assert _refunded(payment, "R-2") == [
        {"action": "changeTransactionInteractionId", "transactionId": "refund-None", "interactionId": "R-2"},
        {"action": "changeTransactionState", "transactionId": "refund-None", "state": "Success"},
    ]


def test_where_notifications_carry_no_recorded_id_any_pending_one_of_that_amount_is_it():
    payment = Payment.from_json(payment_json(transactions=[_refund("Pending", "R-1")]))
    assert _refunded(payment, "refund-callback-7", matches_pending=True) == [
        {"action": "changeTransactionState", "transactionId": "refund-R-1", "state": "Success"}
    ]
    # Without the provider saying so, an id the payment does not know is another refund.
    assert _refunded(payment, "refund-callback-7")[0]["action"] == "addTransaction"


def test_a_refund_made_in_the_providers_back_office_is_added():
    payment = Payment.from_json(payment_json(transactions=[_refund("Success", "R-1"), _refund("Pending", None, 900)]))
    [added] = _refunded(payment, "R-9", cents=500)
    assert added["action"] == "addTransaction"
    assert added["transaction"]["interactionId"] == "R-9"
