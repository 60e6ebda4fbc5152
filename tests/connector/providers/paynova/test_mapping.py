import json
from dataclasses import replace

import pytest

from connector.actions import event_actions
from connector.errors import InvalidInput, InvalidNotification
from connector.money import Money
from connector.payment import Payment
from connector.providers.base import Interaction
from connector.providers.paynova import mapping
from tests.connector.providers.paynova.paynova_api import ORDER_ID
from tests.factories import CONNECTOR_TYPE_ID, payment_json, paynova_session_request, transaction_json

CALLBACK = "https://notifications.example.test/notifications/paynova"


def paynova_payment(session_request=None, **payment_fields) -> Payment:
    request = paynova_session_request() if session_request is None else session_request
    return Payment.from_json(payment_json(interface="paynova", session_request=request, **payment_fields))


def bodies(session_request=None, **payment_fields):
    payment = paynova_payment(session_request, **payment_fields)
    return (payment, *mapping.request_bodies(payment, CALLBACK))


def fields_of(error: InvalidInput) -> list[str]:
    return [e.field for e in error.errors]


def invalid_fields(session_request=None, **payment_fields) -> list[str]:
    with pytest.raises(InvalidInput) as raised:
        bodies(session_request, **payment_fields)
    return fields_of(raised.value)


def test_the_order_carries_the_owned_fields_and_the_storefront_s_order_data():
    payment, order, _ = bodies()
    assert (order["orderNumber"], order["currencyCode"], order["totalAmount"]) == (payment.id, "EUR", "19.99")
    assert order["billTo"]["address"]["countryCode"] == "SE"
    [line] = order["lineItems"]
    # Decimal text with a dot, as Paynova's own client sends amounts.
    assert (line["quantity"], line["unitAmountExcludingTax"], line["totalLineAmount"]) == ("1", "15.992", "19.99")
    assert "interfaceOptions" not in order


def test_the_session_carries_the_callback_and_the_shopper_urls():
    _, _, session = bodies()
    assert session == {
        "interfaceOptions": {
            "interfaceId": 5,
            "customerLanguageCode": "SWE",
            "urlRedirectSuccess": "https://shop.example.test/paid",
            "urlRedirectCancel": "https://shop.example.test/cancelled",
            "urlCallback": CALLBACK,
        },
        "totalAmount": "19.99",
        "paymentChannelId": 1,
    }


@pytest.mark.parametrize(
    ("cents", "currency", "digits", "amount"),
    [(1000, "JPY", 0, "1000"), (1999, "EUR", 2, "19.99"), (1500, "KWD", 3, "1.500")],
)
def test_amounts_have_the_currency_s_own_digits(cents, currency, digits, amount):
    _, order, session = bodies(
        paynova_session_request(amount), cent_amount=cents, currency=currency, fraction_digits=digits
    )
    assert (order["totalAmount"], session["totalAmount"], order["currencyCode"]) == (amount, amount, currency)


def test_optional_keys_go_to_the_call_they_belong_to():
    ship_to = {"name": {"companyName": "ACME AB"}, "address": {"countryCode": "SWE"}}
    _, order, session = bodies(
        paynova_session_request(
            shipTo=ship_to,
            orderDescription="travel",
            salesChannel="web",
            salesLocationId="Liljeholmen",
            merchantReference="ON4711",
            purchaseReference="buyer-17",
            paymentMethods=[{"id": 311, "products": [{"id": "DirectInvoice"}]}],
        )
    )
    assert (order["shipTo"], order["orderDescription"], order["salesChannel"]) == (ship_to, "travel", "web")
    assert (order["salesLocationId"], order["merchantReference"], order["purchaseReference"]) == (
        "Liljeholmen",
        "ON4711",
        "buyer-17",
    )
    assert session["paymentMethods"] == [{"id": 311, "products": [{"id": "DirectInvoice"}]}]
    assert "paymentMethods" not in order


def test_owned_fields_may_be_repeated_but_not_changed():
    payment = payment_json(interface="paynova")
    repeated = paynova_session_request(orderNumber=payment["id"], totalAmount=19.99, currencyCode="EUR")
    repeated["interfaceOptions"]["urlCallback"] = CALLBACK
    payment["custom"] = {
        "type": {"typeId": "type", "id": CONNECTOR_TYPE_ID},
        "fields": {"sessionRequest": json.dumps(repeated)},
    }
    order, _ = mapping.request_bodies(Payment.from_json(payment), CALLBACK)
    assert order["orderNumber"] == payment["id"]
    changed = paynova_session_request(orderNumber="another", totalAmount="1.00", currencyCode="SEK")
    changed["interfaceOptions"]["urlCallback"] = "https://attacker.example/hook"
    assert invalid_fields(changed) == [
        "sessionRequest.currencyCode",
        "sessionRequest.interfaceOptions.urlCallback",
        "sessionRequest.orderNumber",
        "sessionRequest.totalAmount",
    ]


def test_a_missing_session_request_names_every_required_key():
    assert invalid_fields({}) == [
        "sessionRequest.billTo",
        "sessionRequest.interfaceOptions",
        "sessionRequest.lineItems",
    ]


def test_every_invalid_field_is_named_at_once():
    request = paynova_session_request(billto={"name": {}})
    request["lineItems"][0].update(totalLineAmount="25.00", name="")
    del request["billTo"]["address"]["countryCode"]
    request["interfaceOptions"].update(customerLanguageCode="sv", urlRedirectSuccess="javascript:alert(1)")
    assert invalid_fields(request) == [
        "sessionRequest.billTo.address.countryCode",
        "sessionRequest.billto",  # an unknown key: it would reach neither call
        "sessionRequest.interfaceOptions.customerLanguageCode",
        "sessionRequest.interfaceOptions.urlRedirectSuccess",
        "sessionRequest.lineItems",  # 25.00 is not the payment's 19.99
        "sessionRequest.lineItems[0].name",
    ]


def test_line_arithmetic_is_checked_within_a_cent():
    request = paynova_session_request()
    request["lineItems"][0].update(totalLineAmount="19.98", totalLineTaxAmount="3.98")
    request["lineItems"].append({**request["lineItems"][0], "id": "2", "quantity": 2, "totalLineAmount": "0.01"})
    request["lineItems"][0]["totalLineAmount"] = "19.98"
    assert invalid_fields(request) == [
        "sessionRequest.lineItems[0].totalLineTaxAmount",
        "sessionRequest.lineItems[1].totalLineAmount",
        "sessionRequest.lineItems[1].totalLineTaxAmount",
    ]


@pytest.mark.parametrize("total", ["NaN", "Infinity", "nineteen", True])
def test_an_unreadable_line_total_is_named_once(total):
    request = paynova_session_request()
    request["lineItems"][0]["totalLineAmount"] = total
    assert invalid_fields(request) == ["sessionRequest.lineItems[0].totalLineAmount"]


def test_line_ids_must_be_unique():
    request = paynova_session_request(total="10.00")
    request["lineItems"].append(dict(request["lineItems"][0]))
    assert invalid_fields(request, cent_amount=2000) == ["sessionRequest.lineItems"]


def test_a_zero_amount_is_refused_before_calling_paynova():
    assert "amountPlanned.centAmount" in invalid_fields(paynova_session_request("0.00"), cent_amount=0)


def test_an_order_of_an_earlier_attempt_is_reused_only_for_the_same_amount():
    _, order, _ = bodies()
    record = mapping.order_record(order, ORDER_ID)
    mapping.check_reusable(record, order)
    with pytest.raises(InvalidInput) as raised:
        mapping.check_reusable(record, {**order, "totalAmount": "29.99"})
    assert fields_of(raised.value) == ["amountPlanned"]


def test_the_session_from_paynova_s_answer():
    answer = {
        "status": {
            "isSuccess": True,
            "errorNumber": 0,
            "statusKey": "SUCCESS",
            "statusMessage": "The operation was successful.",
        },
        "sessionId": "775e3b3b-ff40-4078-bdee-a33900e22164",
        "url": "https://testpaygate.paynova.com/paynovaaero/payment/775e3b3b",
    }
    created = mapping.order_interaction({"customer": {"governmentId": "196006208133"}}, {"orderId": ORDER_ID})
    session = mapping.session(ORDER_ID, {"totalAmount": "19.99"}, answer, created)
    assert (session.interface_id, session.session_token, session.redirect_url) == (
        ORDER_ID,
        answer["sessionId"],
        answer["url"],
    )
    assert (session.status_code, session.response["orderId"]) == ("SUCCESS", ORDER_ID)
    assert [i.type for i in session.interactions] == ["paynova.createOrder", "paynova.initializePayment"]
    assert session.interactions[0].request == {"customer": {"governmentId": "***"}}
    assert session.interactions[1].request == {"orderId": ORDER_ID, "totalAmount": "19.99"}
    assert [i.type for i in mapping.session(ORDER_ID, {}, answer, None).interactions] == ["paynova.initializePayment"]


def payment_event(**fields):
    notification = {
        "EVENT_TYPE": "PAYMENT",
        "MERCHANT_ID": "4999",
        "ORDER_ID": ORDER_ID,
        "ORDER_NUMBER": "payment-1",
        "PAYMENT_STATUS": "AUTHORIZED",
        "AMOUNT": "19.99",
        "CURRENCY_CODE": "EUR",
        "TRANSACTION_ID": "201405281543270574",
        **fields,
    }
    return mapping.event(mapping.read_event(notification), notification)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("AUTHORIZED", ("Authorization", "Success")),
        ("COMPLETED", ("Charge", "Success")),
        ("PENDING", ("Authorization", "Pending")),
        ("DECLINED", ("Authorization", "Failure")),
        ("ERROR", ("Authorization", "Failure")),
        ("CANCELLED", ("CancelAuthorization", "Success")),
    ],
)
def test_payment_statuses_become_transactions(status, expected):
    event = payment_event(PAYMENT_STATUS=status, PAYMENT_STATUS_REASON="NONE")
    [change] = event.transactions
    assert (change.type, change.state) == expected
    assert (change.interaction_id, change.amount) == ("201405281543270574", Money(1999, "EUR", 2))
    assert (event.payment_id, event.status_code, event.status_text) == ("payment-1", status, "NONE")


def test_amounts_are_read_with_the_currency_s_digits():
    [change] = payment_event(AMOUNT="1000.00", CURRENCY_CODE="JPY").transactions
    assert change.amount == Money(1000, "JPY", 0)
    with pytest.raises(InvalidNotification, match="AMOUNT"):
        payment_event(AMOUNT="1000.50", CURRENCY_CODE="JPY")


def session_end(status):
    notification = {
        "EVENT_TYPE": "SESSION_END",
        "MERCHANT_ID": "4999",
        "ORDER_ID": ORDER_ID,
        "ORDER_NUMBER": "payment-1",
        "SESSION_ID": "775e3b3b",
        "SESSION_STATUS": status,
        "SESSION_STATUS_REASON": "CUSTOMER_CLOSED_BROWSER",
    }
    return mapping.event(mapping.read_event(notification), notification)


def test_an_expired_or_cancelled_session_is_recorded_on_the_status():
    for status, code in (("EXPIRED", "SESSION_EXPIRED"), ("CANCELLED", "SESSION_CANCELLED")):
        event = session_end(status)
        assert (event.transactions, event.status_code, event.status_text) == ((), code, "CUSTOMER_CLOSED_BROWSER")


def test_a_completed_session_and_other_events_change_nothing():
    for event in (session_end("COMPLETED"), session_end("paused"), payment_event(EVENT_TYPE="REFUND")):
        assert (event.transactions, event.status_code) == ((), None)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("authorized", ("Authorization", "Success")),
        ("Completed", ("Charge", "Success")),
        ("cancelled", ("CancelAuthorization", "Success")),
    ],
)
def test_payment_statuses_in_any_spelling_become_transactions(status, expected):
    event = payment_event(EVENT_TYPE="payment", PAYMENT_STATUS=status, PAYMENT_STATUS_REASON="NONE")
    assert [(t.type, t.state) for t in event.transactions] == [expected]
    assert (event.status_code, event.status_text) == (status, "NONE")


def test_a_payment_status_the_connector_does_not_know_is_a_pending_authorization():
    event = payment_event(PAYMENT_STATUS="UNDER_REVIEW", PAYMENT_STATUS_REASON="NONE")
    [change] = event.transactions
    assert (change.type, change.state, change.interaction_id) == ("Authorization", "Pending", "201405281543270574")
    assert event.status_code == "UNDER_REVIEW" and "UNDER_REVIEW" in event.status_text
    assert event.interaction.request["PAYMENT_STATUS"] == "UNDER_REVIEW"


def test_session_end_statuses_in_any_spelling_are_recorded():
    notification = {
        "EVENT_TYPE": "session_end",
        "MERCHANT_ID": "4999",
        "ORDER_ID": ORDER_ID,
        "ORDER_NUMBER": "payment-1",
        "SESSION_ID": "775e3b3b",
        "SESSION_STATUS": "expired",
    }
    event = mapping.event(mapping.read_event(notification), notification)
    assert event.status_code == "SESSION_EXPIRED"


def test_the_log_leaves_out_what_changes_between_delivery_attempts():
    fields = {
        "EVENT_TYPE": "SESSION_END",
        "DIGEST": "ABC",
        "DELIVERY_TIMESTAMP": "2026-11-24 13:36:29Z",
        "ORDER_ID": ORDER_ID,
    }
    read = {**fields, "ORDER_NUMBER": "p", "SESSION_STATUS": "COMPLETED", "SESSION_STATUS_REASON": None}
    event = mapping.event(read, fields)
    assert event.interaction == Interaction("paynova.notification", {"EVENT_TYPE": "SESSION_END", "ORDER_ID": ORDER_ID})


# Alike in shape to Nuvei's DMN test, on purpose: each provider's own required fields, one case each.
@pytest.mark.parametrize(
    "missing", ["ORDER_NUMBER", "ORDER_ID", "PAYMENT_STATUS", "AMOUNT", "CURRENCY_CODE", "TRANSACTION_ID"]
)
def test_a_payment_event_without_a_required_field_is_invalid(missing):
    notification = {
        "EVENT_TYPE": "PAYMENT",
        "MERCHANT_ID": "4999",
        "ORDER_ID": ORDER_ID,
        "ORDER_NUMBER": "p",
        "PAYMENT_STATUS": "AUTHORIZED",
        "AMOUNT": "1.00",
        "CURRENCY_CODE": "EUR",
        "TRANSACTION_ID": "1",
    }
    del notification[missing]
    with pytest.raises(InvalidNotification, match=missing):
        mapping.read_event(notification)


def test_a_session_end_needs_its_status():
    with pytest.raises(InvalidNotification, match="SESSION_STATUS"):
        mapping.read_event(
            {"EVENT_TYPE": "SESSION_END", "MERCHANT_ID": "1", "ORDER_ID": "o", "ORDER_NUMBER": "p", "SESSION_ID": "s"}
        )


def test_an_event_must_fit_its_payment():
    payment = paynova_payment(interface_id=ORDER_ID)
    mapping.check_against(payment_event(), payment)
    for event, message in (
        (payment_event(ORDER_ID="another-order"), "ORDER_ID"),
        (payment_event(AMOUNT="0.01"), "AMOUNT"),
    ):
        with pytest.raises(InvalidNotification, match=message):
            mapping.check_against(event, payment)
    with pytest.raises(InvalidNotification, match="ORDER_ID"):
        mapping.check_against(session_end("EXPIRED"), paynova_payment())  # no Paynova order yet


def test_the_checks_read_the_notification_not_the_log():
    own = paynova_payment(interface_id=ORDER_ID, custom_fields={"sessionToken": "a-later-session"})

    def relogged(event):
        logged = {**event.interaction.request, "ORDER_ID": ORDER_ID, "SESSION_ID": "a-later-session"}
        return replace(event, interaction=replace(event.interaction, request=logged))

    with pytest.raises(InvalidNotification, match="ORDER_ID another-order"):
        mapping.check_against(relogged(payment_event(ORDER_ID="another-order")), own)
    assert mapping.fit_to(relogged(session_end("EXPIRED")), own).status_code is None


def test_a_pending_payment_that_completes_was_authorized_too():
    pending = transaction_json("Authorization", "Pending", interaction_id="201405281543270574")
    payment = paynova_payment(interface_id=ORDER_ID, transactions=[pending])
    completed = payment_event(PAYMENT_STATUS="COMPLETED")
    event = mapping.fit_to(completed, payment)
    assert [(c.type, c.state) for c in event.transactions] == [("Authorization", "Success"), ("Charge", "Success")]
    unrelated = paynova_payment(transactions=[{**pending, "interactionId": "another"}])
    assert mapping.fit_to(completed, unrelated) is completed


def test_the_end_of_another_session_on_the_payments_order_changes_nothing():
    """A session a timed-out attempt opened on the same order expires unused."""
    own = paynova_payment(interface_id=ORDER_ID, custom_fields={"sessionToken": "775e3b3b"})
    other = paynova_payment(interface_id=ORDER_ID, custom_fields={"sessionToken": "a-later-session"})
    expired = session_end("EXPIRED")
    assert mapping.fit_to(expired, own) == expired
    assert (mapping.fit_to(expired, other).status_code, mapping.fit_to(expired, other).status_text) == (None, None)


# Events about the extension's finalize and annul.

AUTHORIZATION_ID = "201405281543270574"
FINALIZE_ID = "301405281543270999"


def tx(type_: str, state: str, cents: int, interaction_id: str | None) -> dict:
    transaction = transaction_json(type_, state, interaction_id or "")
    transaction["amount"]["centAmount"] = cents
    if interaction_id is None:
        del transaction["interactionId"]
    return transaction


def authorized_payment(*transactions: dict) -> Payment:
    authorization = tx("Authorization", "Success", 1999, AUTHORIZATION_ID)
    return paynova_payment(interface_id=ORDER_ID, transactions=[authorization, *transactions])


def applied(event, payment: Payment) -> list[dict]:
    """The update actions the event makes on the payment, as the notification service
    computes them (connector/actions.py)."""
    mapping.check_against(event, payment)
    return [
        a
        for a in event_actions(payment, mapping.fit_to(event, payment), "c")
        if a["action"] != "addInterfaceInteraction"
    ]


def test_a_completed_event_about_the_extensions_finalize_changes_nothing():
    payment = authorized_payment(tx("Charge", "Success", 1000, FINALIZE_ID))
    assert applied(payment_event(PAYMENT_STATUS="COMPLETED", AMOUNT="10.00", TRANSACTION_ID=FINALIZE_ID), payment) == []


def test_a_completed_event_settles_a_finalize_that_got_no_answer():
    payment = authorized_payment(tx("Charge", "Pending", 1000, None))
    [charge] = [t for t in payment.transactions if t.type == "Charge"]
    completed = payment_event(PAYMENT_STATUS="COMPLETED", AMOUNT="10.00", TRANSACTION_ID=FINALIZE_ID)
    assert applied(completed, payment) == [
        {"action": "changeTransactionInteractionId", "transactionId": charge.id, "interactionId": FINALIZE_ID},
        {"action": "changeTransactionState", "transactionId": charge.id, "state": "Success"},
        {"action": "setStatusInterfaceCode", "interfaceCode": "COMPLETED"},
    ]


def test_a_completed_event_naming_the_authorization_settles_a_pending_finalize_of_its_amount():
    """Where Paynova's event names the authorization rather than the finalize, the Charge
    the extension recorded Pending (accepted, not done) is the one it settles."""
    payment = authorized_payment(tx("Charge", "Pending", 1000, FINALIZE_ID))
    [charge] = [t for t in payment.transactions if t.type == "Charge"]
    assert applied(payment_event(PAYMENT_STATUS="COMPLETED", AMOUNT="10.00"), payment) == [
        {"action": "changeTransactionState", "transactionId": charge.id, "state": "Success"},
        {"action": "setStatusInterfaceCode", "interfaceCode": "COMPLETED"},
    ]


def test_a_cancelled_event_about_the_extensions_annulment_changes_nothing():
    payment = authorized_payment(tx("CancelAuthorization", "Success", 1999, ORDER_ID))
    assert applied(payment_event(PAYMENT_STATUS="CANCELLED"), payment) == []


def test_a_cancelled_event_settles_an_annulment_that_got_no_answer_under_the_order_id():
    payment = authorized_payment(tx("CancelAuthorization", "Pending", 1999, None))
    [cancel] = [t for t in payment.transactions if t.type == "CancelAuthorization"]
    actions = applied(payment_event(PAYMENT_STATUS="CANCELLED"), payment)
    assert actions[:2] == [
        {"action": "changeTransactionInteractionId", "transactionId": cancel.id, "interactionId": ORDER_ID},
        {"action": "changeTransactionState", "transactionId": cancel.id, "state": "Success"},
    ]
    assert not any(a["action"] == "addTransaction" for a in actions)


def test_an_annulment_made_in_paynovas_back_office_is_added():
    actions = applied(payment_event(PAYMENT_STATUS="CANCELLED"), authorized_payment())
    [added] = [a["transaction"] for a in actions if a["action"] == "addTransaction"]
    assert (added["type"], added["state"], added["interactionId"]) == (
        "CancelAuthorization",
        "Success",
        AUTHORIZATION_ID,
    )


def test_finalize_and_annul_events_may_carry_part_of_the_planned_amount_never_more():
    payment = authorized_payment(tx("Charge", "Success", 1000, FINALIZE_ID))
    mapping.check_against(payment_event(PAYMENT_STATUS="COMPLETED", AMOUNT="9.99", TRANSACTION_ID="another"), payment)
    mapping.check_against(payment_event(PAYMENT_STATUS="CANCELLED", AMOUNT="9.99"), payment)
    for event in (
        payment_event(PAYMENT_STATUS="COMPLETED", AMOUNT="20.00", TRANSACTION_ID="another"),
        payment_event(PAYMENT_STATUS="COMPLETED", AMOUNT="9.99", TRANSACTION_ID=FINALIZE_ID),  # recorded as 10.00
        payment_event(PAYMENT_STATUS="AUTHORIZED", AMOUNT="10.00", TRANSACTION_ID="another"),
    ):
        with pytest.raises(InvalidNotification, match="AMOUNT"):
            mapping.check_against(event, payment)
