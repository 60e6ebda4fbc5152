"""Paynova's finalize, annul and refund: the call each modification makes, and what each
answer means for the commercetools transaction."""

import pytest

from connector.errors import OperationNotPossible, ProviderRefused
from connector.modifications import Balance, Modification
from connector.money import Money
from connector.payment import Payment
from connector.providers.paynova.client import ModificationRequest
from connector.providers.paynova.modifications import call, result
from tests.connector.providers.paynova.paynova_api import ORDER_ID, SUCCESS
from tests.factories import payment_json, transaction_json

AUTHORIZATION_ID = "201405281543270574"


def tx(type_: str, state: str, cents: int, interaction_id: str, currency: str = "EUR") -> dict:
    transaction = transaction_json(type_, state, interaction_id)
    transaction["amount"].update(centAmount=cents, currencyCode=currency)
    return transaction


def payment(*transactions: dict, currency: str = "EUR", cents: int = 1999, interface_id: str | None = ORDER_ID):
    digits = {"JPY": 0, "KWD": 3}.get(currency, 2)
    authorization = tx("Authorization", "Success", cents, AUTHORIZATION_ID, currency)
    authorization["amount"]["fractionDigits"] = digits
    return Payment.from_json(
        payment_json(
            interface="paynova",
            currency=currency,
            cent_amount=cents,
            fraction_digits=digits,
            interface_id=interface_id,
            transactions=[authorization, *transactions],
        )
    )


def modification(type_: str, cents: int, currency: str = "EUR") -> Modification:
    return Modification("ct-transaction-1", type_, Money.of(cents, currency), 3)


def prepared(paid: Payment, type_: str, cents: int, currency: str = "EUR"):
    return call(paid, modification(type_, cents, currency), Balance.of(paid.transactions, currency))


def test_a_capture_finalizes_the_authorization_with_the_transaction_id_as_invoice_id():
    sent = prepared(payment(), "Charge", 1000)
    assert sent.operation == "paynova.finalize"
    assert sent.request == ModificationRequest(
        "finalize", ORDER_ID, AUTHORIZATION_ID, "10.00", {"invoiceId": "ct-transaction-1"}
    )
    assert sent.logged == {
        "orderId": ORDER_ID,
        "transactionId": AUTHORIZATION_ID,
        "totalAmount": "10.00",
        "invoiceId": "ct-transaction-1",
    }


@pytest.mark.parametrize(
    ("currency", "cents", "text"), [("JPY", 1000, "1000"), ("KWD", 1500, "1.500"), ("SEK", 5, "0.05")]
)
def test_amounts_are_decimal_text_with_the_currency_s_digits(currency, cents, text):
    assert prepared(payment(currency=currency, cents=cents), "Charge", cents, currency).request.total_amount == text


def test_a_cancellation_annuls_the_authorization_and_has_no_invoice_id():
    sent = prepared(payment(), "CancelAuthorization", 1999)
    assert (sent.operation, sent.request.transaction_id, sent.request.body) == ("paynova.annul", AUTHORIZATION_ID, {})


def test_a_refund_goes_to_the_first_capture_with_enough_left():
    captured = payment(tx("Charge", "Success", 1000, "F-1"), tx("Charge", "Success", 999, "F-2"))
    assert prepared(captured, "Refund", 1000).request.transaction_id == "F-1"
    refunded_once = payment(
        tx("Charge", "Success", 1000, "F-1"), tx("Charge", "Success", 999, "F-2"), tx("Refund", "Pending", 500, "R-1")
    )
    assert prepared(refunded_once, "Refund", 500).request.transaction_id == "F-1"
    assert prepared(refunded_once, "Refund", 999).request.transaction_id == "F-2"
    sent = prepared(refunded_once, "Refund", 999)
    assert (sent.operation, sent.request.body) == ("paynova.refund", {"invoiceId": "ct-transaction-1"})


def test_a_refund_that_no_single_capture_covers_is_refused_before_any_call():
    captured = payment(tx("Charge", "Success", 1000, "F-1"), tx("Charge", "Success", 999, "F-2"))
    with pytest.raises(OperationNotPossible, match="one finalized transaction at a time") as raised:
        prepared(captured, "Refund", 1500)
    assert raised.value.field == "transactions[3].amount"


def test_without_a_paynova_order_or_authorization_nothing_is_called():
    with pytest.raises(OperationNotPossible, match="no Paynova order"):
        prepared(payment(interface_id=None), "Charge", 1000)
    no_authorization = Payment.from_json(payment_json(interface="paynova", interface_id=ORDER_ID))
    with pytest.raises(OperationNotPossible, match="no Paynova authorization"):
        call(no_authorization, modification("Charge", 1000), Balance(authorized=1999))


def request(operation: str) -> ModificationRequest:
    return ModificationRequest(operation, ORDER_ID, AUTHORIZATION_ID, "10.00", {})


def test_a_finalize_paynova_reports_done_is_a_success_with_its_transaction_id():
    answer = {
        "status": SUCCESS,
        "transactionId": "301",
        "totalAmountFinalized": 10.0,
        "totalAmountPendingFinalization": 0,
        "canFinalizeAgain": True,
        "amountRemainingForFinalization": 9.99,
    }
    outcome = result(request("finalize"), answer)
    assert (outcome.state, outcome.interaction_id, outcome.response) == ("Success", "301", answer)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": SUCCESS, "transactionId": "301", "totalAmountPendingFinalization": 10.0},
        {"status": {**SUCCESS, "statusKey": "IN_PROGRESS"}, "transactionId": "301"},
        {"status": SUCCESS, "transactionId": "301", "totalAmountPendingFinalization": "soon"},
        {"status": SUCCESS},  # accepted, and the id will come with the COMPLETED event
    ],
)
def test_an_accepted_finalize_that_is_not_done_yet_is_pending(answer):
    assert result(request("finalize"), answer).state == "Pending"


def test_status_words_are_read_in_any_spelling():
    answer = {"status": {**SUCCESS, "statusKey": "success"}, "transactionId": "301"}
    assert result(request("refund"), answer).state == "Success"


def test_a_refund_s_id_is_its_own_and_an_annulment_s_the_order_s():
    refunded = result(request("refund"), {"status": SUCCESS, "transactionId": "401", "totalAmountPendingRefund": 0})
    assert (refunded.state, refunded.interaction_id) == ("Success", "401")
    annulled = result(request("annul"), {"status": SUCCESS})
    assert (annulled.state, annulled.interaction_id) == ("Success", ORDER_ID)


@pytest.mark.parametrize("key", ["ALREADY_ANNULLED", "alreadyAnnulled"])
def test_an_annul_retried_after_a_lost_answer_is_done(key):
    answer = {"status": {"isSuccess": False, "errorNumber": 3020, "statusKey": key, "statusMessage": "annulled"}}
    outcome = result(request("annul"), answer)
    assert (outcome.state, outcome.interaction_id) == ("Success", ORDER_ID)


def test_already_annulled_is_a_refusal_of_a_finalize():
    answer = {
        "status": {"isSuccess": False, "errorNumber": 3020, "statusKey": "ALREADY_ANNULLED", "statusMessage": "x"}
    }
    with pytest.raises(ProviderRefused):
        result(request("finalize"), answer)


@pytest.mark.parametrize(
    ("number", "key"), [(-2, "VALIDATION_ERROR"), (-1, "INTERNAL_ERROR"), (3001, "TRANSACTION_NOT_FOUND")]
)
def test_other_refusals_carry_paynova_s_reason(number, key):
    """INTERNAL_ERROR says the operation could not be completed: nothing moved, so it is a
    Failure the merchant may try again, not a Pending that nothing would settle."""
    status = {"isSuccess": False, "errorNumber": number, "statusKey": key, "statusMessage": "why", "errors": []}
    with pytest.raises(ProviderRefused) as raised:
        result(request("refund"), {"status": status})
    assert (raised.value.code, raised.value.message, raised.value.details["statusKey"]) == (str(number), "why", key)
