"""What a merchant may capture, refund and cancel, computed from the payment's own
transactions in exact minor units, for currencies with 0, 2 and 3 decimals."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.errors import InvalidInput, OperationNotPossible
from connector.modifications import (
    CANCEL,
    CHARGE,
    PARTIAL,
    REFUND,
    WHOLE,
    Balance,
    Modification,
    authorization_id,
    charges_left,
    check,
    requested,
)
from connector.money import Money
from connector.payment import Payment
from tests.factories import payment_json

CURRENCIES = {"JPY": 0, "EUR": 2, "KWD": 3}
EVERYTHING = {CHARGE: PARTIAL, REFUND: PARTIAL, CANCEL: PARTIAL}


def transaction(type_: str, state: str, cents: int, currency: str = "EUR", transaction_id: str = "t") -> dict:
    digits = CURRENCIES.get(currency, 2)
    return {
        "id": transaction_id,
        "type": type_,
        "state": state,
        "amount": {"type": "centPrecision", "centAmount": cents, "currencyCode": currency, "fractionDigits": digits},
    }


def payment(*transactions: dict, currency: str = "EUR") -> Payment:
    data = payment_json(currency=currency, fraction_digits=CURRENCIES.get(currency, 2), cent_amount=1999)
    data["transactions"] = list(transactions)
    return Payment.from_json(data)


def modification(type_: str, cents: int, currency: str = "EUR", index: int = 1) -> Modification:
    return Modification("tx", type_, Money(cents, currency, CURRENCIES[currency]), index)


def test_the_balance_counts_what_each_state_holds():
    balance = Balance.of(
        payment(
            transaction("Authorization", "Success", 1999),
            transaction("Authorization", "Failure", 5000),
            transaction("Charge", "Success", 500),
            transaction("Charge", "Pending", 300),
            transaction("Charge", "Failure", 700),
            transaction("Refund", "Pending", 100),
            transaction("CancelAuthorization", "Success", 200),
            transaction("Charge", "Initial", 999),
        ).transactions,
        "EUR",
    )
    assert balance.available(CHARGE) == 1999 - 500 - 300 - 200
    assert balance.available(CANCEL) == 1999 - 500 - 300 - 200
    assert balance.available(REFUND) == 500 - 100  # a Pending capture has nothing to refund yet
    assert (balance.charged_for_sure, balance.charging, balance.charged) == (500, 300, 800)


def test_a_sale_leaves_nothing_to_capture_or_cancel():
    balance = Balance.of(payment(transaction("Charge", "Success", 1999)).transactions, "EUR")
    assert (balance.available(CHARGE), balance.available(CANCEL), balance.available(REFUND)) == (0, 0, 1999)


def named(transaction_json: dict, interaction_id: str) -> dict:
    return {**transaction_json, "interactionId": interaction_id}


def test_the_authorization_is_the_latest_successful_one_the_provider_named():
    assert authorization_id(payment(transaction("Authorization", "Success", 1999))) is None
    paid = payment(
        named(transaction("Authorization", "Success", 1999), "A-1"),
        named(transaction("Authorization", "Success", 1999), "A-2"),
        named(transaction("Authorization", "Failure", 1999), "A-3"),
        transaction("Authorization", "Success", 1999),
        named(transaction("Charge", "Success", 1999), "C-1"),
    )
    assert authorization_id(paid) == "A-2"


def test_the_refunds_are_counted_against_the_charges_in_order():
    paid = payment(
        named(transaction("Charge", "Success", 1000), "C-1"),
        transaction("Charge", "Success", 700),  # no provider id: nothing to refund it by
        named(transaction("Charge", "Pending", 700), "C-P"),
        named(transaction("Charge", "Success", 500, "USD"), "C-USD"),
        named(transaction("Charge", "Success", 999), "C-2"),
        named(transaction("Refund", "Success", 1200), "R-1"),
    )
    balance = Balance.of(paid.transactions, "EUR")
    assert list(charges_left(paid, balance)) == [("C-1", 0), ("C-USD", 300), ("C-2", 999)]
    assert list(charges_left(paid, balance, "EUR")) == [("C-1", 0), ("C-2", 799)]


@pytest.mark.parametrize(
    ("asked", "available_cents", "message"),
    [
        (modification(CHARGE, 2500), 1999, "capture of 25.00 EUR exceeds the 19.99 EUR still authorized"),
        (modification(REFUND, 2000), 0, "refund of 20.00 EUR exceeds the 0.00 EUR captured and not refunded"),
        (
            modification(CANCEL, 5, "KWD"),
            4,
            "cancellation of 0.005 KWD exceeds the 0.004 KWD authorized and not captured",
        ),
        (modification(CHARGE, 2001, "JPY"), 2000, "capture of 2001 JPY exceeds the 2000 JPY still authorized"),
    ],
)
def test_more_than_is_available_is_refused_with_a_message_a_merchant_understands(asked, available_cents, message):
    with pytest.raises(InvalidInput) as refused:
        check(asked, available_cents, "nuvei", EVERYTHING, {})
    [error] = refused.value.errors
    assert (error.field, error.message) == ("transactions[1].amount", message)


def test_what_the_provider_cannot_do_is_an_invalid_operation_with_its_reason():
    with pytest.raises(OperationNotPossible) as refused:
        check(modification(CHARGE, 100), 1999, "nexway", {REFUND: WHOLE}, {CHARGE: "Nexway charges at order time"})
    assert refused.value.field == "transactions[1].amount"
    assert refused.value.message == "nexway cannot capture: Nexway charges at order time"


def test_where_only_everything_left_can_go_a_part_is_an_invalid_operation():
    with pytest.raises(OperationNotPossible) as refused:
        check(modification(CANCEL, 1000), 1999, "kustom", {CANCEL: WHOLE}, {})
    assert "everything that is left at once: 19.99 EUR, not 10.00 EUR" in refused.value.message
    check(modification(CANCEL, 1999), 1999, "kustom", {CANCEL: WHOLE}, {})  # all of it goes


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ({"centAmount": 0, "currencyCode": "EUR", "fractionDigits": 2}, "must be greater than 0, got 0.00"),
        ({"centAmount": -500, "currencyCode": "EUR", "fractionDigits": 2}, "must be greater than 0, got -5.00"),
        ({"centAmount": 500, "currencyCode": "USD", "fractionDigits": 2}, "is in USD, the payment in EUR"),
    ],
)
def test_zero_negative_and_other_currency_amounts_are_refused(amount, message):
    initial = {**transaction("Charge", "Initial", 1), "amount": amount}
    with pytest.raises(InvalidInput) as refused:
        requested(payment(transaction("Authorization", "Success", 1999), initial))
    [error] = refused.value.errors
    assert (error.field, error.message) == ("transactions[1].amount", message)


def test_only_initial_transactions_of_the_three_kinds_are_requested_in_order():
    asked = requested(
        payment(
            transaction("Authorization", "Success", 1999, transaction_id="auth"),
            transaction("Charge", "Initial", 500, transaction_id="capture"),
            transaction("Authorization", "Initial", 100, transaction_id="not-a-modification"),
            transaction("Refund", "Pending", 100, transaction_id="not-initial"),
            transaction("CancelAuthorization", "Initial", 300, transaction_id="cancel"),
        )
    )
    assert [(m.transaction_id, m.type, m.amount.cent_amount, m.index) for m in asked] == [
        ("capture", CHARGE, 500, 1),
        ("cancel", CANCEL, 300, 4),
    ]


@given(
    currency=st.sampled_from(sorted(CURRENCIES)),
    authorized=st.integers(1, 10**9),
    captures=st.lists(st.integers(1, 10**8), max_size=5),
)
def test_successive_captures_never_take_more_than_was_authorized(currency, authorized, captures):
    """Each capture is checked against the balance the ones before it left, so their
    sum never exceeds the authorization, whatever the currency's digits."""
    balance = Balance().with_transaction("Authorization", "Success", authorized)
    taken = 0
    for cents in captures:
        asked = modification(CHARGE, cents, currency)
        try:
            check(asked, balance.available(CHARGE), "nuvei", EVERYTHING, {})
        except InvalidInput:
            assert taken + cents > authorized
            continue
        balance = balance.with_transaction(CHARGE, "Pending", cents)
        taken += cents
    assert taken <= authorized
    assert balance.available(CHARGE) == authorized - taken


@given(charged=st.integers(1, 10**9), refunds=st.lists(st.integers(1, 10**8), max_size=5))
def test_refunds_never_give_back_more_than_was_captured(charged, refunds):
    balance = Balance().with_transaction(CHARGE, "Success", charged)
    for cents in refunds:
        if cents <= balance.available(REFUND):
            balance = balance.with_transaction(REFUND, "Pending", cents)
    assert 0 <= balance.available(REFUND) <= charged
    assert balance.refunded <= charged
