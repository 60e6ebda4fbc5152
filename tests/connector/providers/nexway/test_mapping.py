import json
from dataclasses import replace
from decimal import Decimal

import pytest

from connector.actions import event_actions
from connector.errors import InvalidInput, InvalidNotification, ProviderUnavailable
from connector.payment import Payment
from connector.providers.nexway import mapping
from tests.factories import nexway_order_event as notification
from tests.factories import nexway_session_request, payment_json, transaction_json

ORDER_DATE = "2026-11-24T13:36:27+00:00"


def nexway_payment(session_request=None, **details) -> Payment:
    request = nexway_session_request() if session_request is None else session_request
    return Payment.from_json(payment_json(interface="nexway", session_request=request, **details))


def refused_fields(payment: Payment) -> set[str]:
    with pytest.raises(InvalidInput) as raised:
        mapping.order_request(payment, ORDER_DATE)
    return {error.field for error in raised.value.errors}


def line(amount_duty_free, quantity, vat_rate, amount_total, product_ref="1001") -> dict:
    return {
        "productRef": product_ref,
        "quantity": quantity,
        "amountDutyFree": amount_duty_free,
        "vatRate": vat_rate,
        "amountTotal": amount_total,
    }


def test_the_connector_sets_reference_currency_date_and_payment():
    payment = nexway_payment()
    order = mapping.order_request(payment, ORDER_DATE)
    assert (order["partnerOrderNumber"], order["currency"], order["orderDate"]) == (payment.id, "EUR", ORDER_DATE)
    assert order["payment"] == {"paymentMethod": "External Payment"}
    assert order["customer"]["locationInvoice"]["country"] == "FR"


def test_amounts_go_as_json_numbers():
    order = mapping.order_request(nexway_payment(), ORDER_DATE)
    sent = json.loads(json.dumps(order))
    assert sent["orderLines"][0] == line(16.66, 1, 20, 19.99)
    assert isinstance(sent["orderLines"][0]["amountTotal"], float)


def test_line_total_is_exact():
    assert mapping.line_total(Decimal("9.99"), 3, Decimal("20")) == Decimal("35.964")
    assert mapping.line_total(Decimal("8.33"), 2, Decimal("5.5")) == Decimal("17.5763")


@pytest.mark.parametrize(
    ("lines", "cents", "currency", "digits"),
    [
        ([line(16.66, 1, 20, 19.99)], 1999, "EUR", 2),  # 19.992
        ([line(16.66, 1, 20, 20.00)], 2000, "EUR", 2),  # within one cent
        ([line(9.99, 3, 20, 35.96)], 3596, "EUR", 2),  # 35.964
        ([line(1000, 2, 10, 2201)], 2201, "JPY", 0),  # 2200, within one yen
        ([line(10, 1, 0, 10), line(5, 2, 0, 10)], 2000, "EUR", 2),
    ],
)
def test_lines_within_one_minor_unit_are_accepted(lines, cents, currency, digits):
    payment = nexway_payment(
        nexway_session_request(orderLines=lines), cent_amount=cents, currency=currency, fraction_digits=digits
    )
    assert len(mapping.order_request(payment, ORDER_DATE)["orderLines"]) == len(lines)


@pytest.mark.parametrize(
    ("bad_line", "currency", "digits"),
    [
        (line(16.66, 1, 20, 19.98), "EUR", 2),  # 0.012 off
        (line(16.66, 1, 20, 20.01), "EUR", 2),
        (line(1000, 2, 10, 2202), "JPY", 0),
        (line(16.66, 1, 20, 19.992), "EUR", 2),  # more decimals than the currency has
    ],
)
def test_a_line_that_does_not_compute_is_named(bad_line, currency, digits):
    cents = int(Decimal(str(bad_line["amountTotal"])).scaleb(digits))
    payment = nexway_payment(
        nexway_session_request(orderLines=[bad_line]), cent_amount=cents, currency=currency, fraction_digits=digits
    )
    assert refused_fields(payment) == {"sessionRequest.orderLines[0].amountTotal"}


def test_lines_must_add_up_to_the_planned_amount():
    lines = [line(16.66, 1, 20, 19.99), line(16.66, 1, 20, 19.99, "1002")]
    with pytest.raises(InvalidInput) as raised:
        mapping.order_request(nexway_payment(nexway_session_request(orderLines=lines)), ORDER_DATE)
    [error] = raised.value.errors
    assert error.field == "sessionRequest.orderLines"
    assert "39.98" in error.message and "19.99 EUR" in error.message


def test_every_invalid_field_is_named_at_once():
    request = nexway_session_request(currency="USD", orderLine=[], affiliateId="12")
    request["customer"] = {
        "language": "French",
        "locationInvoice": {"firstName": "A", "lastName": "B", "country": "US"},
    }
    request["orderLines"][0]["quantity"] = 0
    assert refused_fields(nexway_payment(request)) == {
        "sessionRequest.currency",
        "sessionRequest.orderLine",
        "sessionRequest.affiliateId",
        "sessionRequest.customer.email",
        "sessionRequest.customer.language",
        "sessionRequest.customer.locationInvoice.province",
        "sessionRequest.orderLines[0].quantity",
    }


def test_line_arithmetic_is_reported_with_the_other_errors():
    request = nexway_session_request()
    del request["customer"]["email"]
    request["orderLines"].append({**line(16.66, 1, 20, 19.90, "1002"), "quantity": "one"})
    request["orderLines"][0]["amountTotal"] = 18.00
    assert refused_fields(nexway_payment(request)) == {
        "sessionRequest.customer.email",
        "sessionRequest.orderLines[0].amountTotal",
        "sessionRequest.orderLines[1].quantity",
    }


def test_owned_fields_may_be_repeated():
    data = payment_json(interface="nexway", session_request={})
    repeated = nexway_session_request(partnerOrderNumber=data["id"], currency="EUR")
    data["custom"]["fields"]["sessionRequest"] = json.dumps(repeated)
    assert mapping.order_request(Payment.from_json(data), ORDER_DATE)["partnerOrderNumber"] == data["id"]


def test_customer_and_lines_are_required():
    assert refused_fields(nexway_payment({})) == {"sessionRequest.customer", "sessionRequest.orderLines"}


def test_the_transaction_id_is_the_payments_successful_payment():
    paid = [transaction_json("Authorization", "Failure", "psp-1"), transaction_json("Charge", "Success", "psp-2")]
    order = mapping.order_request(nexway_payment(transactions=paid), ORDER_DATE)
    assert order["payment"] == {"paymentMethod": "External Payment", "transactionId": "psp-2"}


def test_a_session_request_may_not_contradict_the_payments_transaction():
    request = nexway_session_request(payment={"transactionId": "other"})
    payment = nexway_payment(request, transactions=[transaction_json("Charge", "Success", "psp-2")])
    assert refused_fields(payment) == {"sessionRequest.payment.transactionId"}


def test_a_payment_method_other_than_external_needs_a_transaction_id():
    payment = nexway_payment(nexway_session_request(payment={"paymentMethod": "Credit Card"}))
    assert refused_fields(payment) == {"sessionRequest.payment.transactionId"}
    given = nexway_payment(nexway_session_request(payment={"paymentMethod": "Credit Card", "transactionId": "psp-9"}))
    assert mapping.order_request(given, ORDER_DATE)["payment"] == {
        "paymentMethod": "Credit Card",
        "transactionId": "psp-9",
    }


def created(code=0, **fields) -> dict:
    return {
        "responseCode": code,
        "responseMessage": "OK",
        "orderNumber": 7001,
        "orderLines": [
            {
                "productRef": 1001,
                "responseCode": 0,
                "digitalLockerLink": "https://locker.example.test/7001",
                "files": [{"label": "Setup", "url": "https://download.example.test/setup.exe"}],
                "lineItems": [{"responseCode": 0, "serials": [{"data": "KEY-1234-SECRET"}]}],
            }
        ],
        "downloadManager": {"pc": "https://download.example.test/dm.exe"},
        **fields,
    }


def test_an_accepted_order_is_a_successful_charge_without_serials():
    payment = nexway_payment()
    session = mapping.session(payment, created(partnerOrderNumber=payment.id), ())
    assert (session.interface_id, session.status_code) == ("7001", "COMPLETED")
    [charge] = session.transactions
    assert (charge.type, charge.state, charge.interaction_id) == ("Charge", "Success", "7001")
    stored = json.dumps(session.response)
    assert "KEY-1234-SECRET" not in stored
    assert "https://download.example.test/setup.exe" in stored and "https://locker.example.test/7001" in stored


@pytest.mark.parametrize(("code", "status"), [(1060, "PAYMENT_PENDING"), (1061, "FRAUD_PENDING")])
def test_an_order_waiting_for_validation_is_a_pending_charge(code, status):
    session = mapping.session(nexway_payment(), created(code, responseMessage="waiting"), ())
    assert (session.status_code, session.status_text, session.transactions[0].state) == (status, "waiting", "Pending")


@pytest.mark.parametrize(
    ("status", "state"),
    [("FRAUD_PENDING", "Pending"), ("COMPLETED", "Success"), ("CANCELED", "Failure"), ("PAYMENT_REFUSED", "Failure")],
)
def test_an_order_read_back_takes_its_status_from_the_answer(status, state):
    """Read back after 1010, the order Nexway holds opens the payment even when it has
    ended since: the payment names it, with a failed Charge, rather than a refusal."""
    session = mapping.session(nexway_payment(), created(status=status), ())
    assert (session.interface_id, session.status_code) == ("7001", status)
    assert session.transactions[0].state == state


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("CREATED", "Pending"),
        ("PAYMENT_PENDING", "Pending"),
        ("FRAUD_PENDING", "Pending"),
        ("PENDING", "Pending"),
        ("PENDING_WITH_ERROR", "Pending"),
        ("COMPLETED", "Success"),
        ("PARTIAL_COMPLETED", "Success"),
        ("PAYMENT_FAILED", "Failure"),
        ("PAYMENT_REFUSED", "Failure"),
        ("CANCELED", "Failure"),
        ("ABORTED", "Failure"),
    ],
)
def test_each_known_status_opens_the_charge_in_the_state_its_notification_gives(status, state):
    """A status whose notification leaves the Charge be (PENDING_WITH_ERROR:
    fulfillmentFailed) still opens it, Pending."""
    session = mapping.session(nexway_payment(), created(status=status), ())
    assert (session.status_code, session.status_text) == (status, "OK")
    assert [(t.type, t.state) for t in session.transactions] == [("Charge", state)]


@pytest.mark.parametrize(
    ("code", "status", "state"),
    [
        (0, "completed", "Success"),
        (0, "Completed", "Success"),
        (0, "partialCompleted", "Success"),
        (1061, "fraudPending", "Pending"),
        (1061, "fraud-pending", "Pending"),
        (1060, "payment_pending", "Pending"),
        (1060, "paymentPending", "Pending"),
        (0, "Canceled", "Failure"),
    ],
)
def test_a_status_word_in_any_spelling_is_understood_and_written_as_nexway_spelled_it(code, status, state):
    session = mapping.session(nexway_payment(), created(code, status=status), ())
    assert (session.status_code, session.status_text, session.transactions[0].state) == (status, "OK", state)


@pytest.mark.parametrize("code", [0, 1060, 1061])
def test_an_accepted_order_with_a_status_the_connector_does_not_know_is_pending(code):
    """responseCode decides that Nexway took the order; an unknown word never refuses it
    (that would leave Nexway's order without a payment)."""
    answer = created(code, status="awaitingReview")
    session = mapping.session(nexway_payment(), answer, (mapping.interaction("nexway.createOrder", {}, answer),))
    assert (session.interface_id, session.status_code) == ("7001", "awaitingReview")
    assert "awaitingReview" in session.status_text
    assert [(t.type, t.state) for t in session.transactions] == [("Charge", "Pending")]
    assert session.interactions[0].response["status"] == "awaitingReview"


def test_an_order_of_another_payment_is_not_taken():
    with pytest.raises(ProviderUnavailable):
        mapping.session(nexway_payment(), created(partnerOrderNumber="someone-else"), ())


@pytest.mark.parametrize(
    ("type_", "state"),
    [
        ("created", "Pending"),
        ("completed", "Success"),
        ("partiallyCompleted", "Success"),
        ("paymentFailed", "Failure"),
        ("paymentRefused", "Failure"),
        ("aborted", "Failure"),
        ("canceled", "Failure"),
    ],
)
def test_order_events_move_the_charge(type_, state):
    event = mapping.event(mapping.read_notification(notification(type_, status="SOME_STATUS")))
    assert event.payment_id == "payment-1"
    [change] = event.transactions
    assert (change.type, change.state, change.interaction_id) == ("Charge", state, "7001")
    assert (event.status_code, event.status_text) == ("SOME_STATUS", type_)


# Alike in shape to the table above, on purpose: that one is the event types, this one their spellings.
@pytest.mark.parametrize(
    ("type_", "state"),
    [
        ("COMPLETED", "Success"),
        ("partially_completed", "Success"),
        ("PAYMENT-FAILED", "Failure"),
        ("Created", "Pending"),
    ],
)
def test_event_types_are_read_in_any_spelling(type_, state):
    event = mapping.event(mapping.read_notification(notification(type_, status="someStatus")))
    assert [(t.type, t.state) for t in event.transactions] == [("Charge", state)]
    assert (event.status_code, event.status_text) == ("someStatus", type_)


def test_a_failed_fulfilment_is_recorded_on_the_status_only():
    event = mapping.event(mapping.read_notification(notification("fulfillmentFailed", status="PENDING_WITH_ERROR")))
    assert event.transactions == () and event.status_code == "PENDING_WITH_ERROR"


def test_an_unknown_event_type_changes_nothing():
    event = mapping.event(mapping.read_notification(notification("renewCompleted")))
    assert (event.transactions, event.status_code) == ((), None)


def test_the_log_keeps_no_shopper_data():
    event = mapping.event(mapping.read_notification(notification()))
    assert "shopper@example.test" not in json.dumps(event.interaction.request)
    assert event.interaction.request["order"]["id"] == "7001"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({**notification(), "subject": "subscription"}, "subject"),
        ({k: v for k, v in notification().items() if k != "eventDate"}, "eventDate"),
        (notification(partnerOrderNumber=""), "order.partnerOrderNumber"),
        (notification(id=None), "order.id"),
    ],
)
def test_an_unusable_notification_names_its_fields(body, named):
    with pytest.raises(InvalidNotification, match=named):
        mapping.read_notification(body)


def test_a_notification_must_be_an_object():
    with pytest.raises(InvalidNotification):
        mapping.read_notification(["order"])


def charged_payment(state="Success") -> Payment:
    return nexway_payment(interface_id="7001", transactions=[transaction_json("Charge", state, "7001")])


def test_a_cancellation_refunds_a_charge_that_succeeded():
    event = mapping.event(mapping.read_notification(notification("canceled", status="CANCELED")))
    [change] = mapping.fit_cancellation(event, charged_payment("Success")).transactions
    assert (change.type, change.state, change.interaction_id) == ("Refund", "Success", "7001")


@pytest.mark.parametrize("type_", ["CANCELED", "Canceled"])
def test_a_cancellation_in_any_spelling_refunds_a_charge_that_succeeded(type_):
    event = mapping.event(mapping.read_notification(notification(type_, status="canceled")))
    [change] = mapping.fit_cancellation(event, charged_payment("Success")).transactions
    assert (change.type, change.state) == ("Refund", "Success")


@pytest.mark.parametrize("payment", [charged_payment("Pending"), nexway_payment()])
def test_a_cancellation_fails_a_charge_not_made(payment):
    event = mapping.event(mapping.read_notification(notification("canceled", status="CANCELED")))
    assert mapping.fit_cancellation(event, payment) == event


def test_other_events_are_not_adjusted():
    event = mapping.event(mapping.read_notification(notification("aborted")))
    assert mapping.fit_cancellation(event, charged_payment("Success")) == event


def test_an_event_for_another_order_or_currency_does_not_fit():
    other_order = mapping.event(mapping.read_notification(notification(id="9999")))
    other_currency = mapping.event(mapping.read_notification(notification(currency="USD")))
    with pytest.raises(InvalidNotification, match="9999"):
        mapping.check_against(other_order, charged_payment())
    with pytest.raises(InvalidNotification, match="USD"):
        mapping.check_against(other_currency, charged_payment())
    mapping.check_against(mapping.event(mapping.read_notification(notification())), charged_payment())


def test_the_checks_read_what_the_notification_said_not_the_log():
    def relogged(event):
        logged = {**event.interaction.request, "type": "completed", "order": {"id": "7001", "currency": "EUR"}}
        return replace(event, interaction=replace(event.interaction, request=logged))

    other_order = relogged(mapping.event(mapping.read_notification(notification(id="9999", currency="USD"))))
    with pytest.raises(InvalidNotification, match="9999"):
        mapping.check_against(other_order, charged_payment())
    cancellation = relogged(mapping.event(mapping.read_notification(notification("canceled", status="CANCELED"))))
    [change] = mapping.fit_cancellation(cancellation, charged_payment("Success")).transactions
    assert change.type == "Refund"


# A cancellation the extension made, confirmed by Nexway's `canceled` notification.


def with_transactions(*transactions: dict) -> Payment:
    return nexway_payment(interface_id="7001", transactions=list(transactions))


def without_id(type_: str, state: str = "Pending") -> dict:
    transaction = transaction_json(type_, state, "")
    del transaction["interactionId"]
    return transaction


def applied(payment: Payment) -> list[dict]:
    """The transaction actions of a `canceled` notification on the payment, as the
    notification service computes them (connector/actions.py)."""
    event = mapping.event(mapping.read_notification(notification("canceled", status="CANCELED")))
    mapping.check_against(event, payment)
    actions = event_actions(payment, mapping.fit_cancellation(event, payment), "c")
    return [a for a in actions if "Transaction" in a["action"]]


def test_the_refund_the_extension_recorded_is_confirmed_not_added_again():
    payment = with_transactions(
        transaction_json("Charge", "Success", "7001"), transaction_json("Refund", "Success", "7001")
    )
    assert applied(payment) == []


def test_a_refund_that_got_no_answer_is_settled_by_the_notification():
    pending = without_id("Refund")
    payment = with_transactions(transaction_json("Charge", "Success", "7001"), pending)
    assert applied(payment) == [
        {"action": "changeTransactionInteractionId", "transactionId": pending["id"], "interactionId": "7001"},
        {"action": "changeTransactionState", "transactionId": pending["id"], "state": "Success"},
    ]


def test_a_cancellation_in_nexway_s_back_office_still_adds_the_refund():
    [added] = applied(with_transactions(transaction_json("Charge", "Success", "7001")))
    assert (added["action"], added["transaction"]["type"], added["transaction"]["interactionId"]) == (
        "addTransaction",
        "Refund",
        "7001",
    )
    assert added["transaction"]["amount"] == {"currencyCode": "EUR", "centAmount": 1999}


def test_the_extension_s_cancellation_of_a_pending_order_is_settled_with_the_charge_failed():
    charge, cancel = transaction_json("Charge", "Pending", "7001"), without_id("CancelAuthorization")
    assert applied(with_transactions(charge, cancel)) == [
        {"action": "changeTransactionState", "transactionId": charge["id"], "state": "Failure"},
        {"action": "changeTransactionInteractionId", "transactionId": cancel["id"], "interactionId": "7001"},
        {"action": "changeTransactionState", "transactionId": cancel["id"], "state": "Success"},
    ]
    done = transaction_json("CancelAuthorization", "Success", "7001")
    assert applied(with_transactions(charge, done)) == [
        {"action": "changeTransactionState", "transactionId": charge["id"], "state": "Failure"}
    ]
