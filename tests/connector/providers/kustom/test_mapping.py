import json
import uuid
from dataclasses import replace

import pytest

from connector.errors import InvalidInput, InvalidNotification, OperationNotPossible, ProviderUnavailable
from connector.modifications import Balance, Modification
from connector.money import Money
from connector.payment import Payment
from connector.providers.base import ModificationResult, Notification
from connector.providers.kustom import mapping
from connector.providers.kustom.client import Charge, OrderChange, OrderChanged
from tests.factories import payment_json, transaction_json

from .factories import (
    BASKET_TOTAL,
    CONFIRMATION_URL,
    capture,
    decline,
    kustom_payment,
    kustom_request,
    managed_order,
    order_answer,
    refund,
)

NOTIFY = "https://notifications.example.test/notifications/kustom"


def test_order_request_owns_reference_currency_amount_and_push_url():
    payment = kustom_payment()
    token, request = mapping.order_request(payment, NOTIFY)
    assert token == "0b1d9815-165e-42e2-8867-35bc03789e00"
    assert "customerToken" not in request  # a path parameter, not a body field
    assert request["merchant_reference1"] == payment.id
    assert (request["purchase_currency"], request["order_amount"], request["order_tax_amount"]) == ("EUR", 1999, 400)
    assert request["merchant_urls"] == {
        "confirmation": CONFIRMATION_URL,
        "push": f"{NOTIFY}?order_id={{checkout.order.id}}",
    }
    assert [line["total_amount"] for line in request["order_lines"]] == [2000, -500, 499]


def test_optional_and_unknown_fields_pass_through():
    payment = Payment.from_json(
        payment_json(
            interface="kustom",
            session_request=kustom_request(auto_capture=True, merchant_reference2="cart-7", locale="sv-SE"),
        )
    )
    _, request = mapping.order_request(payment, NOTIFY)
    assert (request["auto_capture"], request["merchant_reference2"], request["locale"]) == (True, "cart-7", "sv-SE")


def test_the_idempotency_key_is_stable_per_payment_and_differs_between_payments():
    payment_id = "5b9c1d2e-0000-4000-8000-000000000001"
    key = mapping.idempotency_key(payment_id)
    # A fixed value: a key that changed between releases or processes would let a
    # retried charge through as a new one.
    assert key == "411954cf-1369-53c4-8c61-ce8299deb3ed"
    assert key == mapping.idempotency_key(payment_id)
    assert mapping.idempotency_key("5b9c1d2e-0000-4000-8000-000000000002") != key
    assert uuid.UUID(key).version == 5


@pytest.mark.parametrize(
    ("fraud_status", "state"), [("ACCEPTED", "Success"), ("PENDING", "Pending"), ("REJECTED", "Failure")]
)
def test_a_charge_becomes_an_authorization_by_fraud_status(fraud_status, state):
    payment = kustom_payment()
    _, request = mapping.order_request(payment, NOTIFY)
    session = mapping.session(payment, request, Charge(order_answer("ord-9", fraud_status)))
    assert session.interface_id == "ord-9"
    assert session.redirect_url == "https://api.playground.kustom.co/redirect/ord-9"
    assert session.session_token is None
    assert session.status_code == fraud_status
    assert [(t.type, t.state, t.interaction_id) for t in session.transactions] == [("Authorization", state, "ord-9")]
    assert session.response["authorized_payment_method"] == {"type": "invoice", "number_of_days": 14}
    [interaction] = session.interactions
    assert interaction.type == "kustom.order"
    assert interaction.request["merchant_reference1"] == payment.id


@pytest.mark.parametrize(
    ("fraud_status", "state"),
    [("accepted", "Success"), ("Pending", "Pending"), ("rejected", "Failure"), ("acceptedAfterReview", "Success")],
)
def test_a_fraud_status_in_any_spelling_is_understood_and_written_as_kustom_spelled_it(fraud_status, state):
    payment = kustom_payment()
    _, request = mapping.order_request(payment, NOTIFY)
    session = mapping.session(payment, request, Charge(order_answer("ord-9", fraud_status)))
    assert (session.status_code, session.status_text) == (fraud_status, None)
    assert [t.state for t in session.transactions] == [state]


@pytest.mark.parametrize("fraud_status", ["UNDER_REVIEW", None])
def test_an_order_with_a_fraud_status_the_connector_does_not_know_is_pending(fraud_status):
    payment = kustom_payment()
    _, request = mapping.order_request(payment, NOTIFY)
    answer = {**order_answer("ord-9"), "fraud_status": fraud_status}
    session = mapping.session(payment, {**request, "auto_capture": True}, Charge(answer))
    assert (session.interface_id, session.status_code) == ("ord-9", fraud_status)
    assert [(t.type, t.state) for t in session.transactions] == [("Authorization", "Pending")]
    assert session.interactions[0].response["fraud_status"] == fraud_status
    if fraud_status:
        assert "UNDER_REVIEW" in session.status_text


@pytest.mark.parametrize(
    ("fraud_status", "expected"),
    [
        ("ACCEPTED", [("Authorization", "Success"), ("Charge", "Success")]),
        ("PENDING", [("Authorization", "Pending")]),  # captured once accepted
    ],
)
def test_auto_capture_adds_the_charge_once_the_order_is_accepted(fraud_status, expected):
    payment = kustom_payment()
    _, request = mapping.order_request(payment, NOTIFY)
    session = mapping.session(
        payment, {**request, "auto_capture": True}, Charge(order_answer(fraud_status=fraud_status))
    )
    assert [(t.type, t.state) for t in session.transactions] == expected


@pytest.mark.parametrize("code", ["PAYMENT_METHOD_FAILED", "TOKEN_SUSPENDED", "TOKEN_CANCELLED"])
def test_a_decline_is_a_failed_authorization_under_the_idempotency_key(code):
    payment = kustom_payment()
    _, request = mapping.order_request(payment, NOTIFY)
    session = mapping.session(payment, request, Charge(decline(code), declined=True))
    assert session.interface_id is None and session.redirect_url is None
    assert (session.status_code, session.status_text) == (code, "The payment method was declined")
    [transaction] = session.transactions
    assert (transaction.type, transaction.state) == ("Authorization", "Failure")
    assert transaction.interaction_id == mapping.idempotency_key(payment.id)
    assert session.response["correlation_id"] == "corr-k-1"
    assert session.interactions[0].response["error_code"] == code


def test_a_payment_whose_charge_was_declined_is_recognised():
    data = payment_json(interface="kustom", session_request=kustom_request())
    declined = transaction_json("Authorization", "Failure", mapping.idempotency_key(data["id"]))
    elsewhere = transaction_json("Authorization", "Failure", mapping.idempotency_key("another-payment"))
    assert not mapping.declined_before(Payment.from_json(data))
    assert not mapping.declined_before(Payment.from_json({**data, "transactions": [elsewhere]}))
    assert mapping.declined_before(Payment.from_json({**data, "transactions": [declined]}))


def test_a_push_names_its_order_in_the_query():
    assert mapping.read_notification(Notification("POST", query={"order_id": "ord-1"})) == {"order_id": "ord-1"}


def test_a_fraud_decision_is_json():
    body = json.dumps({"order_id": "ord-1", "event_type": "FRAUD_RISK_ACCEPTED"}).encode()
    received = mapping.read_notification(Notification("POST", query={"order_id": "ord-1"}, body=body))
    assert received == {"order_id": "ord-1", "event_type": "FRAUD_RISK_ACCEPTED"}


@pytest.mark.parametrize(
    ("query", "body", "message"),
    [
        ({}, b"", "order_id"),
        ({"order_id": "{checkout.order.id}"}, b"", "order_id"),  # placeholder never filled in
        ({}, b"{not json", "not valid JSON"),
        ({}, b'{"order_id": "ord-1", "event_type": "FRAUD_RISK_MAYBE"}', "event_type"),
        ({}, b'["ord-1"]', "_schema"),
        ({"order_id": "ord-2"}, b'{"order_id": "ord-1", "event_type": "FRAUD_RISK_ACCEPTED"}', "ord-2"),
    ],
)
def test_unusable_notifications(query, body, message):
    with pytest.raises(InvalidNotification, match=message):
        mapping.read_notification(Notification("POST", query=query, body=body))


def test_an_order_without_our_reference_is_not_ours():
    with pytest.raises(InvalidNotification, match="merchant_reference1"):
        mapping.read_order({**managed_order("p1"), "merchant_reference1": None}, "ord-1")


@pytest.mark.parametrize(
    "answer", [{"order_id": "ord-1"}, managed_order("p1", order_id="ord-2"), managed_order("p1", order_amount="19.99")]
)
def test_a_malformed_order_is_kustom_failing(answer):
    with pytest.raises(ProviderUnavailable):
        mapping.read_order(answer, "ord-1")


def event_for(order: dict, notification: dict | None = None):
    return mapping.event(notification or {"order_id": order["order_id"]}, mapping.read_order(order, order["order_id"]))


@pytest.mark.parametrize(
    ("status", "fraud_status", "state"),
    [
        ("AUTHORIZED", "ACCEPTED", "Success"),
        ("AUTHORIZED", "PENDING", "Pending"),
        ("CANCELLED", "REJECTED", "Failure"),
        ("AUTHORIZED", "STOPPED", "Failure"),
        ("EXPIRED", "PENDING", "Failure"),
        ("EXPIRED", "ACCEPTED", "Failure"),
    ],
)
def test_the_order_read_back_decides_the_authorization(status, fraud_status, state):
    event = event_for(managed_order("p1", status=status, fraud_status=fraud_status))
    assert event.payment_id == "p1"
    [authorization] = event.transactions
    assert (authorization.type, authorization.state, authorization.interaction_id) == ("Authorization", state, "ord-1")
    assert authorization.amount == Money.of(BASKET_TOTAL, "EUR")
    assert (event.status_code, event.status_text) == (fraud_status, status)


@pytest.mark.parametrize(
    ("status", "fraud_status", "states"),
    [
        ("captured", "accepted", ["Success", "Success"]),
        ("Cancelled", "ACCEPTED", ["Success", "Success"]),  # authorized, then cancelled
        ("expired", "pending", ["Failure"]),
        ("authorized", "Rejected-After-Review", ["Failure"]),
    ],
)
def test_order_words_in_any_spelling_are_understood(status, fraud_status, states):
    event = event_for(managed_order("p1", status=status, fraud_status=fraud_status))
    assert [t.state for t in event.transactions] == states
    assert (event.status_code, event.status_text) == (fraud_status, status)


def test_an_order_read_back_with_a_fraud_status_the_connector_does_not_know_is_pending():
    event = event_for(managed_order("p1", status="AUTHORIZED", fraud_status="MANUAL_REVIEW"))
    assert [(t.type, t.state) for t in event.transactions] == [("Authorization", "Pending")]
    assert event.status_code == "MANUAL_REVIEW" and "MANUAL_REVIEW" in event.status_text


def test_a_fraud_decision_in_another_spelling_is_read():
    body = json.dumps({"order_id": "ord-1", "event_type": "fraudRiskAccepted"}).encode()
    assert mapping.read_notification(Notification("POST", body=body))["event_type"] == "fraudRiskAccepted"


def changes(event) -> list[tuple]:
    return [(t.type, t.state, t.interaction_id, t.amount.cent_amount) for t in event.transactions]


def test_a_captured_order_adds_the_charge_under_the_captures_id():
    event = event_for(managed_order("p1", status="CAPTURED"))
    assert changes(event) == [
        ("Authorization", "Success", "ord-1", BASKET_TOTAL),
        ("Charge", "Success", "cap-1", BASKET_TOTAL),
    ]
    assert event.transactions[1].timestamp == "2026-11-24T10:00:00Z"


def test_every_capture_and_refund_is_a_transaction_of_its_own():
    order = managed_order(
        "p1",
        status="PART_CAPTURED",
        captures=[capture("cap-1", 1000), capture("cap-2", 500)],
        refunds=[refund("ref-1", 300), refund("ref-2", 200)],
    )
    assert changes(event_for(order))[1:] == [
        ("Charge", "Success", "cap-1", 1000),
        ("Charge", "Success", "cap-2", 500),
        ("Refund", "Success", "ref-1", 300),
        ("Refund", "Success", "ref-2", 200),
    ]


def test_an_order_without_capture_and_refund_lists_reports_none():
    order = managed_order("p1", status="CAPTURED")
    for name in ("captures", "refunds", "remaining_authorized_amount"):
        del order[name]
    assert changes(event_for(order)) == [("Authorization", "Success", "ord-1", BASKET_TOTAL)]


def test_a_cancelled_accepted_order_is_a_cancellation_under_the_order_id():
    assert changes(event_for(managed_order("p1", status="CANCELLED"))) == [
        ("Authorization", "Success", "ord-1", BASKET_TOTAL),
        ("CancelAuthorization", "Success", "ord-1", BASKET_TOTAL),
    ]


def test_a_released_remaining_authorization_cancels_what_was_not_captured():
    order = managed_order("p1", status="CAPTURED", captures=[capture("cap-1", 1500)], remaining_authorized_amount=0)
    assert changes(event_for(order))[1:] == [
        ("Charge", "Success", "cap-1", 1500),
        ("CancelAuthorization", "Success", "ord-1", BASKET_TOTAL - 1500),
    ]


@pytest.mark.parametrize(
    ("status", "fraud_status", "remaining"),
    [
        ("PART_CAPTURED", "ACCEPTED", 499),  # more may be captured
        ("CANCELLED", "REJECTED", 0),  # Kustom refused it: the authorization failed
        ("EXPIRED", "ACCEPTED", 0),  # lapsed: the authorization failed
        ("CAPTURED", "ACCEPTED", 0),  # everything captured, nothing released
    ],
)
def test_no_cancellation_where_nothing_was_released(status, fraud_status, remaining):
    captured = {"PART_CAPTURED": 1500, "CAPTURED": BASKET_TOTAL}.get(status, 0)
    order = managed_order(
        "p1",
        status=status,
        fraud_status=fraud_status,
        captures=[capture("cap-1", captured)] if captured else [],
        remaining_authorized_amount=remaining,
    )
    assert "CancelAuthorization" not in [t.type for t in event_for(order).transactions]


def kustom_payment_with(*transactions: dict) -> Payment:
    data = payment_json(interface="kustom", interface_id="ord-1", session_request=kustom_request())
    data["transactions"] = list(transactions)
    return Payment.from_json(data)


def test_the_capture_at_checkout_is_the_charge_recorded_under_the_order_id():
    """With auto_capture the charge answer names no capture, so the session records the
    Charge under the order id; the read-back's first capture is that one."""
    payment = kustom_payment_with(
        transaction_json("Authorization", "Success", "ord-1"), transaction_json("Charge", "Success", "ord-1")
    )
    order = managed_order("p1", status="CAPTURED", captures=[capture("cap-1", 1500), capture("cap-2", 499)])
    adjusted = mapping.with_checkout_capture(event_for(order), payment)
    assert [(t.type, t.interaction_id) for t in adjusted.transactions] == [
        ("Authorization", "ord-1"),
        ("Charge", "ord-1"),
        ("Charge", "cap-2"),
    ]


@pytest.mark.parametrize(
    "recorded",
    [
        [transaction_json("Authorization", "Success", "ord-1")],  # no capture at checkout
        [transaction_json("Charge", "Success", "ord-1"), transaction_json("Charge", "Success", "cap-1")],
    ],
)
def test_captures_are_left_as_kustom_names_them_without_a_checkout_capture_to_fit(recorded):
    order = managed_order("p1", status="CAPTURED")
    event = event_for(order)
    assert mapping.with_checkout_capture(event, kustom_payment_with(*recorded)) == event


def test_the_log_keeps_the_notification_and_order_state_without_customer_data():
    event = event_for(managed_order("p1"), {"order_id": "ord-1", "event_type": "FRAUD_RISK_ACCEPTED"})
    assert event.interaction.type == "kustom.fraud_decision"
    assert event.interaction.request["event_type"] == "FRAUD_RISK_ACCEPTED"
    assert event.interaction.request["order"]["fraud_status"] == "ACCEPTED"
    assert "Andersson" not in json.dumps(event.interaction.request)
    assert event_for(managed_order("p1")).interaction.type == "kustom.push"


def test_the_payment_must_hold_the_order():
    event = event_for(managed_order("p1"))
    mapping.check_against(event, kustom_payment(interface_id="ord-1"))
    for other in (kustom_payment(interface_id="ord-2"), kustom_payment()):
        with pytest.raises(InvalidNotification, match="ord-1"):
            mapping.check_against(event, other)


def test_the_order_is_the_one_kustom_answered_for_not_the_logged_one():
    event = event_for(managed_order("p1"))
    relogged = replace(event, interaction=replace(event.interaction, request={"order_id": "ord-2"}))
    mapping.check_against(relogged, kustom_payment(interface_id="ord-1"))
    with pytest.raises(InvalidNotification, match="ord-1"):
        mapping.check_against(relogged, kustom_payment(interface_id="ord-2"))
    assert mapping.order_id(relogged) == "ord-1"


def modification(type_: str, cents: int, transaction_id: str = "tx-1", fraction_digits: int = 2) -> Modification:
    return Modification(transaction_id, type_, Money(cents, "EUR", fraction_digits), 1)


@pytest.mark.parametrize(
    ("type_", "operation", "action", "body"),
    [
        ("Charge", "kustom.capture", "captures", {"captured_amount": 1000, "reference": "tx-1"}),
        ("Refund", "kustom.refund", "refunds", {"refunded_amount": 1000, "reference": "tx-1"}),
    ],
)
def test_captures_and_refunds_send_minor_units_under_the_transaction_id(type_, operation, action, body):
    payment = kustom_payment(interface_id="ord-1")
    call = mapping.modification_call(payment, modification(type_, 1000), Balance(authorized=BASKET_TOTAL))
    assert call.operation == operation
    assert call.request == OrderChange("ord-1", action, body, "tx-1")
    assert call.logged == {"order_id": "ord-1", "action": action, "body": body, "Klarna-Idempotency-Key": "tx-1"}


@pytest.mark.parametrize(
    ("balance", "operation", "action"),
    [
        (Balance(authorized=BASKET_TOTAL), "kustom.cancel", "cancel"),
        (
            Balance(authorized=BASKET_TOTAL, charged_for_sure=500),
            "kustom.releaseRemainingAuthorization",
            "release-remaining-authorization",
        ),
        # A capture still Pending (or earlier in the same Update) counts as captured.
        (
            Balance(authorized=BASKET_TOTAL, charging=500),
            "kustom.releaseRemainingAuthorization",
            "release-remaining-authorization",
        ),
    ],
)
def test_a_cancellation_cancels_the_order_until_something_is_captured_then_releases_the_rest(
    balance, operation, action
):
    call = mapping.modification_call(
        kustom_payment(interface_id="ord-1"), modification("CancelAuthorization", 1499), balance
    )
    assert (call.operation, call.request) == (operation, OrderChange("ord-1", action, None, "tx-1"))
    assert "body" not in call.logged


def test_a_payment_without_a_kustom_order_cannot_be_modified():
    with pytest.raises(OperationNotPossible, match="no Kustom order"):
        mapping.modification_call(kustom_payment(), modification("Charge", 1000), Balance(authorized=BASKET_TOTAL))


def test_an_amount_in_other_minor_units_than_kustoms_is_refused():
    with pytest.raises(InvalidInput) as refused:
        mapping.modification_call(
            kustom_payment(interface_id="ord-1"), modification("Charge", 10000, fraction_digits=3), Balance()
        )
    assert refused.value.errors[0].field == "transactions[1].amount.fractionDigits"


@pytest.mark.parametrize(
    ("change", "answer", "interaction_id"),
    [
        (OrderChange("ord-1", "captures", {}, "tx-1"), OrderChanged("cap-9", {"httpStatus": 201}), "cap-9"),
        (OrderChange("ord-1", "cancel", None, "tx-1"), OrderChanged(None, {"httpStatus": 204}), "ord-1"),
    ],
)
def test_kustoms_answer_is_done_at_once_under_its_id_or_the_orders(change, answer, interaction_id):
    assert mapping.modification_result(change, answer) == ModificationResult("Success", answer.answer, interaction_id)


def test_the_log_keeps_capture_and_refund_ids_and_amounts_only():
    order = managed_order("p1", status="CAPTURED", refunds=[refund("ref-1", 300, description="returned shoe")])
    logged = event_for(order).interaction.request["order"]
    assert logged["captures"] == [{"capture_id": "cap-1", "captured_amount": BASKET_TOTAL}]
    assert logged["refunds"] == [{"refund_id": "ref-1", "refunded_amount": 300}]
    assert logged["remaining_authorized_amount"] == 0
