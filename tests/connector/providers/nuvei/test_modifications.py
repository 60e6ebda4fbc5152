"""Nuvei's settle, refund and void requests, built from the payment's own transactions,
and their answers; the reconciliation's reading of getTransactionDetails.do."""

import json

import pytest

from connector.errors import OperationNotPossible, ProviderUnavailable
from connector.modifications import Balance, Modification
from connector.money import Money
from connector.payment import Payment
from connector.providers.nuvei import mapping
from tests.factories import payment_json


def money(cents: int) -> dict:
    return {"type": "centPrecision", "centAmount": cents, "currencyCode": "EUR", "fractionDigits": 2}


def tx(type_: str, state: str, cents: int, interaction_id: str | None = None, transaction_id: str | None = None):
    transaction = {"id": transaction_id or f"ct-{type_}-{interaction_id}", "type": type_, "state": state}
    transaction["amount"] = money(cents)
    if interaction_id:
        transaction["interactionId"] = interaction_id
    return transaction


def verified(transaction_id: str, auth_code: str | None, kind: str = "nuvei.dmn") -> dict:
    """An interaction recording Nuvei's word on a transaction, as a verified DMN or a
    read-back leaves it on the payment."""
    said = {"transactionId": transaction_id, "transactionType": "Auth", "authCode": auth_code}
    return {"fields": {"type": kind, "request": "{}", "response": json.dumps({"transactions": [said]})}}


def payment(*transactions: dict, interactions: list[dict] | None = None) -> Payment:
    data = payment_json(transactions=list(transactions), interface_id="order-1")
    data["interfaceInteractions"] = interactions or []
    return Payment.from_json(data)


def call_for(payment: Payment):
    """The ModificationCall for the payment's first Initial transaction, with the
    balance the extension computes."""
    index = next(n for n, t in enumerate(payment.transactions) if t.state == "Initial")
    transaction = payment.transactions[index]
    modification = Modification(transaction.id, transaction.type, transaction.amount, index)
    return mapping.modification_call(payment, modification, Balance.of(payment.transactions, "EUR"))


AUTH = tx("Authorization", "Success", 1999, "711")


@pytest.mark.parametrize(
    ("type_", "method", "operation", "nuvei_type"),
    [
        ("Charge", "settleTransaction.do", "nuvei.settle", "Settle"),
        ("CancelAuthorization", "voidTransaction.do", "nuvei.void", "Void"),
    ],
)
def test_a_capture_or_cancellation_relates_to_the_auth(type_, method, operation, nuvei_type):
    paid = payment(AUTH, tx(type_, "Initial", 500, transaction_id="ct-1"), interactions=[verified("711", "111361")])
    call = call_for(paid)
    assert call.operation == operation
    assert (call.request.operation.method, call.request.operation.transaction_type) == (method, nuvei_type)
    assert call.request.fields == {
        "clientRequestId": "ct-1",
        "clientUniqueId": paid.id,
        "amount": "5.00",
        "currency": "EUR",
        "relatedTransactionId": "711",
        "authCode": "111361",
    }
    assert call.logged == call.request.fields
    assert call.request.alone and call.request.known_ids == {"711"}


def test_the_auth_code_recorded_by_a_read_back_is_found_too():
    paid = payment(
        AUTH,
        tx("Charge", "Initial", 500),
        interactions=[verified("700", "999999"), verified("711", "222222", "nuvei.getTransactionDetails")],
    )
    assert call_for(paid).request.fields["authCode"] == "222222"


@pytest.mark.parametrize(
    "interactions",
    [
        [],  # an Auth recorded before DMNs were read back: Nuvei's code is nowhere
        [verified("711", None)],  # Nuvei gave none
        [{"fields": {"type": "nuvei.dmn", "request": "{}", "response": "not json"}}],
        [{"fields": {"type": "nuvei.settle", "request": "{}", "response": json.dumps({"transactions": []})}}],
    ],
)
def test_without_an_auth_code_from_nuvei_none_is_sent(interactions):
    paid = payment(AUTH, tx("Charge", "Initial", 500), interactions=interactions)
    assert "authCode" not in call_for(paid).request.fields


def test_a_refund_relates_to_the_first_capture_with_something_left():
    paid = payment(
        AUTH,
        tx("Charge", "Success", 1000, "801"),
        tx("Charge", "Success", 999, "802"),
        tx("Refund", "Success", 1000, "901"),  # the first capture is refunded in full
        tx("Refund", "Initial", 500, transaction_id="ct-refund"),
        interactions=[verified("711", "111361")],
    )
    call = call_for(paid)
    assert (call.operation, call.request.operation.method) == ("nuvei.refund", "refundTransaction.do")
    assert call.request.fields["relatedTransactionId"] == "802"
    assert call.request.fields["authCode"] == "111361"  # the authorization's


def test_a_refund_of_a_sale_relates_to_the_sale_and_carries_its_auth_code():
    paid = payment(
        tx("Charge", "Success", 1999, "750"),
        tx("Refund", "Initial", 1999),
        interactions=[verified("750", "333333")],
    )
    fields = call_for(paid).request.fields
    assert (fields["relatedTransactionId"], fields["authCode"], fields["amount"]) == ("750", "333333", "19.99")


def test_a_refund_beyond_one_capture_is_refused_before_any_call():
    paid = payment(
        AUTH,
        tx("Charge", "Success", 1000, "801"),
        tx("Charge", "Success", 999, "802"),
        tx("Refund", "Initial", 1500),
    )
    with pytest.raises(OperationNotPossible) as raised:
        call_for(paid)
    assert raised.value.field == "transactions[3].amount"
    assert "10.00 EUR is left of capture 801" in raised.value.message


def test_a_refund_counts_the_refunds_of_the_same_update_before_it():
    paid = payment(AUTH, tx("Charge", "Success", 1000, "801"), tx("Charge", "Success", 999, "802"))
    modification = Modification("ct-r2", "Refund", Money(400, "EUR", 2), 4)
    # A refund of 8.00 earlier in the same Update, counted as Pending by the extension.
    balance = Balance.of(paid.transactions, "EUR").with_transaction("Refund", "Pending", 800)
    with pytest.raises(OperationNotPossible, match=r"2\.00 EUR is left of capture 801"):
        mapping.modification_call(paid, modification, balance)


def test_two_modifications_of_one_type_in_an_update_are_not_alone():
    paid = payment(
        AUTH, tx("Charge", "Initial", 500, transaction_id="a"), tx("Charge", "Initial", 500, transaction_id="b")
    )
    assert not call_for(paid).request.alone


def test_nothing_to_relate_to_is_refused_before_any_call():
    paid = payment(tx("Authorization", "Success", 1999), tx("Charge", "Initial", 500))  # no Nuvei id
    with pytest.raises(OperationNotPossible, match="no Nuvei authorization"):
        call_for(paid)


@pytest.mark.parametrize(
    ("status", "state"),
    [("APPROVED", "Success"), ("approved", "Success"), ("DECLINED", "Failure"), ("ERROR", "Failure"),
     ("PENDING", "Pending"), ("IN_REVIEW", "Pending"), (None, "Pending")],
)  # fmt: skip
def test_an_accepted_call_s_outcome_is_its_transaction_status(status, state):
    result = mapping.modification_result({"status": "SUCCESS", "transactionStatus": status, "transactionId": 801})
    assert (result.state, result.interaction_id) == (state, "801")


@pytest.mark.parametrize(
    ("answer", "repeat"),
    [
        ({"status": "ERROR", "errCode": 1069}, True),
        ({"status": "error", "errCode": "1069"}, True),
        ({"status": "ERROR", "errCode": 1140}, False),
        ({"status": "SUCCESS", "errCode": 1069}, False),
    ],
)
def test_a_repeat_is_known_by_nuvei_s_duplicate_code(answer, repeat):
    assert mapping.refused_as_repeat(answer) is repeat


def test_transaction_details_are_read_as_nuvei_writes_them():
    said = mapping.transaction_details(
        {
            "status": "success",
            "transactionDetails": {
                "transactionId": 801,
                "transactionType": "Settle",
                "transactionStatus": "APPROVED",
                "relatedTransactionId": 711,
                "authCode": "",
            },
        }
    )
    assert said == mapping.TransactionDetails("801", "Settle", "APPROVED", None, None, "711")
    assert mapping.transaction_details({"status": "ERROR", "errCode": 1140}) is None
    with pytest.raises(ProviderUnavailable):
        mapping.transaction_details({"status": "SUCCESS", "transactionDetails": {"transactionId": "801"}})


def details(transaction_id: str, type_: str, status: str = "APPROVED", related: str | None = None):
    return mapping.TransactionDetails(transaction_id, type_, status, "p", None, related)


def test_read_back_fills_the_one_modification_whose_answer_never_came():
    paid = payment(AUTH, tx("Charge", "Success", 500, "801"), tx("Charge", "Pending", 700, transaction_id="lost"))
    event = mapping.read_back_event(paid, {"clientUniqueId": paid.id}, [], details("802", "Settle", related="711"))
    [change] = event.transactions
    assert (change.type, change.state, change.interaction_id, change.amount.cent_amount) == (
        "Charge",
        "Success",
        "802",
        700,
    )
    assert event.interaction.response == {"transactions": [details("802", "Settle", related="711").logged()]}


@pytest.mark.parametrize(
    "latest",
    [
        details("801", "Settle", related="711"),  # already recorded
        details("901", "Credit", related="801"),  # another type than the one awaiting
        details("711", "Auth"),
    ],
)
def test_read_back_leaves_what_it_cannot_place(latest):
    paid = payment(AUTH, tx("Charge", "Success", 500, "801"), tx("Charge", "Pending", 700))
    assert mapping.read_back_event(paid, {}, [], latest) is None


def test_read_back_does_not_guess_between_two_awaiting_modifications():
    paid = payment(AUTH, tx("Charge", "Pending", 500), tx("Charge", "Pending", 700))
    assert mapping.read_back_event(paid, {}, [], details("802", "Settle", related="711")) is None


def test_read_back_of_a_payment_without_transactions_takes_only_an_auth_or_sale():
    opened = payment()
    assert mapping.read_back_event(opened, {}, [], details("801", "Settle", related="711")) is None
    event = mapping.read_back_event(opened, {}, [], details("750", "Sale", "DECLINED"))
    assert [(c.type, c.state, c.amount) for c in event.transactions] == [("Charge", "Failure", None)]
    assert event.status_code == "DECLINED"
