import json
from decimal import Decimal

import pytest

from connector.errors import InvalidInput, InvalidNotification, ProviderRefused, ProviderUnavailable
from connector.modifications import Modification
from connector.money import Money
from connector.payment import Payment
from connector.providers.base import ModificationResult
from connector.providers.optty import mapping
from connector.providers.optty.examples import session_request
from tests.factories import payment_json

NOTIFY = "https://notifications.example.test/notifications/optty"
CREATED = {
    "orderId": "5f0c7c1e-order",
    "orderToken": "order-token-1",
    "redirectUrl": "https://checkout.qa.optty.com/o/5f0c7c1e",
    "orderReference": "payment-1",
    "orderAmount": 19.99,
    "paymentStatus": "pending",
    "transactionReference": "OPT-TX-1",
}


def held(status="PENDING", **fields):
    """GET /orders/{ref} as Optty answers it."""
    return {
        "merchantReference": "payment-1",
        "status": status,
        "amount": 19.99,
        "currency": "EUR",
        "provider": "KLARNA",
        "transactionReference": "OPT-TX-1",
        "failureReason": None,
        "cancelledBy": None,
        **fields,
    }


def webhook(status="SUCCESSFUL", event="ORDER_ASYNC_CALLBACK", **data):
    return {
        "event": event,
        "data": {"orderReference": "payment-1", "status": status, "transactionId": "OPT-TX-1", **data},
    }


def order(cent_amount=1999, currency="EUR", fraction_digits=2, **request):
    payment = Payment.from_json(
        payment_json(
            interface="optty",
            cent_amount=cent_amount,
            currency=currency,
            fraction_digits=fraction_digits,
            session_request=session_request(**request),
        )
    )
    return payment, mapping.order_request(payment, NOTIFY)


def invalid_fields(**request) -> set[str]:
    with pytest.raises(InvalidInput) as raised:
        order(**request)
    return {error.field for error in raised.value.errors}


def test_the_connector_owns_reference_currency_amount_and_callback():
    payment, request = order()
    assert request["orderReference"] == payment.id
    assert request["purchaseCurrency"] == "EUR"
    assert request["orderAmount"] == Decimal("19.99")
    assert request["dynamicCallbackUrl"] == NOTIFY


def test_the_storefronts_fields_and_optty_defaults_pass_into_the_order():
    _, request = order(channel="web-shop", cancellationTimeout=3600)
    assert request["bnplProvider"] == "KLARNA"
    assert request["billingAddress"]["city"] == "Berlin"
    assert request["orderItems"][0]["totalAmount"] == Decimal("16")
    assert request["channel"] == "web-shop"  # not checked, passed through
    assert (request["autoCapture"], request["customerPresent"]) == (True, True)
    _, explicit = order(autoCapture=False)
    assert explicit["autoCapture"] is False


def test_the_amount_has_two_decimals_whatever_the_currency_digits():
    _, request = order(cent_amount=1999, currency="JPY", fraction_digits=0, shippingAmount=1984)
    assert str(request["orderAmount"]) == "1999.00"
    with pytest.raises(InvalidInput) as raised:
        order(cent_amount=19995, currency="KWD", fraction_digits=3)
    assert [(e.field, e.message) for e in raised.value.errors] == [
        ("amountPlanned", "19.995 has more than the 2 decimals Optty takes")
    ]


@pytest.mark.parametrize(
    "amounts",
    [
        {"shippingAmount": 4.99, "discountAmount": 1},  # the sample: 16 + 4.99 − 1
        {"shippingAmount": 0, "taxAmount": 3.99, "discountAmount": 0},
        {"shippingAmount": 5.99, "taxAmount": 1.5, "discountAmount": 3.5},
    ],
)
def test_order_amount_is_items_plus_shipping_plus_tax_minus_discount(amounts):
    _, request = order(**{"shippingAmount": 0, "taxAmount": 0, "discountAmount": 0, **amounts})
    assert request["orderAmount"] == Decimal("19.99")


@pytest.mark.parametrize(
    "amounts",
    [
        {"discountAmount": 0},  # 20.99
        {"shippingAmount": 4.98},
        {"taxAmount": 0.01},
    ],
)
def test_amounts_that_do_not_add_up_to_amount_planned_are_refused(amounts):
    assert invalid_fields(**amounts) == {"sessionRequest.orderItems"}


def test_item_total_must_be_quantity_times_unit_price():
    items = [{"name": "Shirt", "quantity": 2, "unitPrice": 8, "totalAmount": 15}]
    assert invalid_fields(orderItems=items) == {"sessionRequest.orderItems[0].totalAmount"}


def test_every_invalid_field_is_named_at_once():
    fields = invalid_fields(
        purchaseCountry="Germany",
        locale="German",
        billingAddress={"country": "de"},
        customer={"firstName": "Jane", "email": "not-an-email"},
        orderItems=[{"name": "Shirt", "quantity": 0, "unitPrice": 8.001, "totalAmount": "16"}],
        shippingAmount=-1,
        autoCapture="yes",
        dynamicRedirectUrl="http://shop.example.test/return",
        orderReference="another-payment",
        purchaseCurrency="USD",
        orderAmount=19.98,
    )
    assert fields == {
        "sessionRequest.purchaseCountry",
        "sessionRequest.locale",
        "sessionRequest.billingAddress.country",
        "sessionRequest.customer.lastName",
        "sessionRequest.customer.email",
        "sessionRequest.orderItems[0].quantity",
        "sessionRequest.orderItems[0].unitPrice",
        "sessionRequest.orderItems[0].totalAmount",
        "sessionRequest.shippingAmount",
        "sessionRequest.autoCapture",
        "sessionRequest.dynamicRedirectUrl",
        "sessionRequest.orderReference",
        "sessionRequest.purchaseCurrency",
        "sessionRequest.orderAmount",
    }


def test_required_keys_are_named_when_missing():
    payment = Payment.from_json(payment_json(interface="optty"))
    with pytest.raises(InvalidInput) as raised:
        mapping.order_request(payment, NOTIFY)
    assert {error.field for error in raised.value.errors} == {
        f"sessionRequest.{name}"
        for name in ("bnplProvider", "purchaseCountry", "locale", "customer", "billingAddress", "orderItems")
    }


def test_owned_fields_may_be_repeated_with_the_connectors_values():
    draft = payment_json(interface="optty")
    repeated = session_request(
        orderReference=draft["id"], purchaseCurrency="EUR", orderAmount=19.99, dynamicCallbackUrl=NOTIFY
    )
    draft["custom"] = {"type": {"typeId": "type", "id": "t"}, "fields": {"sessionRequest": json.dumps(repeated)}}
    assert mapping.order_request(Payment.from_json(draft), NOTIFY)["orderReference"] == draft["id"]


def test_a_new_order_is_a_pending_authorization_with_the_redirect():
    session = mapping.session({"orderReference": "payment-1", "customerPresent": True}, CREATED)
    assert (session.interface_id, session.session_token, session.redirect_url) == (
        "5f0c7c1e-order",
        "order-token-1",
        "https://checkout.qa.optty.com/o/5f0c7c1e",
    )
    assert session.status_code == "pending"
    [authorization] = session.transactions
    assert (authorization.type, authorization.state, authorization.interaction_id) == (
        "Authorization",
        "Pending",
        "OPT-TX-1",
    )
    assert session.interactions[0].type == "optty.createOrder"


def optty_payment(session_request_json: str | None = None, **request) -> Payment:
    given = session_request_json if session_request_json is not None else session_request(**request)
    return Payment.from_json(payment_json(interface="optty", session_request=given))


@pytest.mark.parametrize(
    ("status", "auto_capture", "expected"),
    [
        ("SUCCESSFUL", False, [("Authorization", "Success")]),
        ("SUCCESSFUL", True, [("Authorization", "Success"), ("Charge", "Success")]),
        ("DECLINED", True, [("Authorization", "Failure")]),
        ("ERROR", False, [("Authorization", "Failure")]),
        ("CANCELED", True, [("Authorization", "Failure")]),
        ("CANCELLED", False, [("Authorization", "Failure")]),
        ("PENDING", True, [("Authorization", "Pending")]),  # what the session wrote: no change
        ("successful", True, [("Authorization", "Success"), ("Charge", "Success")]),
        ("Declined", False, [("Authorization", "Failure")]),
        ("canceled", False, [("Authorization", "Failure")]),
        ("pending", True, [("Authorization", "Pending")]),
    ],
)
def test_status_mapping(status, auto_capture, expected):
    event = mapping.with_capture(mapping.event(webhook(), held(status)), optty_payment(autoCapture=auto_capture))
    assert [(change.type, change.state) for change in event.transactions] == expected
    assert {change.interaction_id for change in event.transactions} == {"OPT-TX-1"}
    assert {change.amount for change in event.transactions} == {Money(1999, "EUR", 2)}
    assert event.status_code == status  # as Optty spelled it


@pytest.mark.parametrize(
    ("session_request_json", "charged"),
    [
        (json.dumps(session_request()), True),  # Optty's default: autoCapture true
        (json.dumps(session_request(autoCapture=False)), False),
        ("{not json", True),  # the storefront broke it since; Optty's default stands
    ],
)
def test_the_charge_follows_the_autocapture_the_payment_asked_for(session_request_json, charged):
    event = mapping.event(webhook(), held("SUCCESSFUL"))
    adjusted = mapping.with_capture(event, optty_payment(session_request_json))
    expected = ["Authorization", "Charge"] if charged else ["Authorization"]
    assert [t.type for t in adjusted.transactions] == expected


def test_a_status_the_connector_does_not_know_is_pending_with_the_word_in_the_text():
    event = mapping.event(webhook(), held("ON_HOLD"))
    assert [(t.type, t.state) for t in mapping.with_capture(event, optty_payment()).transactions] == [
        ("Authorization", "Pending")
    ]
    assert event.status_code == "ON_HOLD" and "ON_HOLD" in event.status_text
    assert event.interaction.response["status"] == "ON_HOLD"


def test_what_optty_holds_decides_not_what_the_webhook_says():
    event = mapping.event(webhook("SUCCESSFUL"), held("DECLINED", failureReason="Declined by provider"))
    assert [change.state for change in event.transactions] == ["Failure"]
    assert event.status_text == "Declined by provider"


def test_a_cancellation_records_who_cancelled():
    event = mapping.event(webhook("CANCELED"), held("CANCELED", cancelledBy="SYSTEM"))
    assert (event.status_code, event.status_text) == ("CANCELED", "cancelled by SYSTEM")


def test_the_log_keeps_only_the_fields_the_connector_uses():
    body = webhook(customer={"email": "jane@example.test"})
    event = mapping.event(mapping.read_webhook(body), held(customer={"email": "jane@example.test"}))
    assert "customer" not in event.interaction.request["data"]
    assert "customer" not in event.interaction.response


@pytest.mark.parametrize("event", ["orderStatusUpdate", "order_async_callback", "Refund-Callback"])
def test_webhook_events_are_read_in_any_spelling(event):
    assert mapping.read_webhook(webhook(event=event))["event"] == event


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"event": "ORDER_ASYNC_CALLBACK"},
        {"event": "PAYOUT", "data": {"orderReference": "p"}},
        webhook(orderReference=""),
    ],
)
def test_unusable_webhooks(body):
    with pytest.raises(InvalidNotification):
        mapping.read_webhook(body)


def test_an_answer_for_another_order_is_refused():
    with pytest.raises(InvalidNotification, match="payment-2"):
        mapping.event(webhook(), held(merchantReference="payment-2"))


@pytest.mark.parametrize("broken", [{"status": ""}, {"amount": "lots"}, {"transactionReference": None}])
def test_an_order_answer_optty_should_not_give_is_a_provider_failure(broken):
    with pytest.raises(ProviderUnavailable):
        mapping.event(webhook(), held(**broken))


# -- Capture, void, refund -------------------------------------------------------------


def modification(type_: str, cents: int = 1000, currency: str = "EUR", digits: int = 2) -> Modification:
    return Modification("tx-1", type_, Money(cents, currency, digits), 2)


@pytest.mark.parametrize(
    ("type_", "operation", "body"),
    [
        ("Charge", "optty.capture", {"captureReference": "tx-1", "amount": Decimal("10.00")}),
        ("CancelAuthorization", "optty.void", {"voidReference": "tx-1", "amount": Decimal("10.00")}),
    ],
)
def test_captures_and_voids_name_the_transaction_id_as_their_reference(type_, operation, body):
    paying = optty_payment()
    call = mapping.modification_call(paying, modification(type_))
    assert (call.operation, call.request.order_reference, call.request.body) == (operation, paying.id, body)
    assert call.logged == {"orderReference": paying.id, **body}


def test_a_refund_names_amount_and_currency():
    paying = optty_payment()
    call = mapping.modification_call(paying, modification("Refund", 500))
    assert call.request.action == "refund"
    assert call.request.body == {
        "refundReference": "tx-1",
        "refundAmount": {"amount": Decimal("5.00"), "currency": "EUR"},
        "refundDescription": f"Refund for order {paying.id}",
    }


def test_an_amount_optty_cannot_take_is_refused_before_any_call():
    with pytest.raises(InvalidInput) as refused:
        mapping.modification_call(optty_payment(), modification("Charge", 1234, "KWD", 3))
    assert refused.value.errors[0].field == "transactions[2].amount"
    whole_yen = mapping.modification_call(optty_payment(), modification("Charge", 1000, "JPY", 0))
    assert whole_yen.request.body["amount"] == Decimal("1000.00")


def change(type_: str) -> mapping.OrderChange:
    return mapping.modification_call(optty_payment(), modification(type_)).request


@pytest.mark.parametrize(
    ("type_", "answer", "interaction_id"),
    [
        ("Charge", {"captureReference": "tx-1", "capturedAmount": 10, "captureId": "cap-9"}, "cap-9"),
        ("Charge", {"captureReference": "tx-1", "capturedAmount": 10}, "tx-1"),
        ("CancelAuthorization", {"voidReference": "tx-1", "amount": 10, "voidedId": "void-9"}, "void-9"),
    ],
)
def test_a_capture_or_void_is_done_under_the_id_optty_answers(type_, answer, interaction_id):
    assert mapping.modification_result(change(type_), answer) == ModificationResult("Success", answer, interaction_id)


@pytest.mark.parametrize(
    ("refund_status", "state"),
    [
        ("SUCCESSFUL", "Success"),
        ("successful", "Success"),
        ("PENDING", "Pending"),
        (None, "Pending"),  # the BNPL provider decides later: REFUND_CALLBACK
        ("DECLINED", "Failure"),
        ("failed", "Failure"),
        ("IN_REVIEW", "Pending"),  # a word the connector does not know
    ],
)
def test_a_refund_is_in_the_state_its_refund_status_says_under_its_reference(refund_status, state):
    answer = {"refundReference": "tx-1", "refundedAmount": 10, "bnplRefundId": "bnpl-1"}
    if refund_status:
        answer["refundStatus"] = refund_status
    result = mapping.modification_result(change("Refund"), answer)
    assert (result.state, result.interaction_id) == (state, "tx-1")


def test_the_orders_captures_voids_and_refunds_are_transactions_under_the_recorded_ids():
    order = held(
        "SUCCESSFUL",
        orderCaptures=[
            {"captureId": "cap-1", "amount": "12", "status": "SUCCESSFUL", "createdAt": "2026-11-24T10:00:00Z"}
        ],
        orderVoids=[{"voidedId": "void-1", "amount": 2.5}],
        refunds=[
            {"refundId": "tx-7", "amount": "3.00", "currency": "EUR", "status": "PENDING"},
            {
                "refundId": "r-8",
                "refundReference": "tx-8",
                "amount": 1,
                "status": "DECLINED",
                "refundFailureReason": "too late",
            },
        ],
    )
    event = mapping.event(webhook(), order)
    assert [(t.type, t.state, t.interaction_id, t.amount.cent_amount) for t in event.transactions] == [
        ("Authorization", "Success", "OPT-TX-1", 1999),
        ("Charge", "Success", "cap-1", 1200),
        ("CancelAuthorization", "Success", "void-1", 250),
        ("Refund", "Pending", "tx-7", 300),
        ("Refund", "Failure", "tx-8", 100),
    ]
    assert event.transactions[1].timestamp == "2026-11-24T10:00:00Z"


def test_a_list_entry_optty_should_not_give_is_a_provider_failure():
    with pytest.raises(ProviderUnavailable):
        mapping.event(webhook(), held("SUCCESSFUL", refunds=[{"amount": "3.00"}]))
    with pytest.raises(ProviderUnavailable):
        mapping.event(webhook(), held("SUCCESSFUL", orderCaptures=[{"captureId": "c", "amount": "1.005"}]))


def test_a_refund_callback_reads_the_order_like_any_webhook():
    event = mapping.event(
        webhook(event="REFUND_CALLBACK"), held("SUCCESSFUL", refunds=[{"refundId": "tx-7", "amount": 3}])
    )
    assert [t.type for t in event.transactions] == ["Authorization", "Refund"]
    assert event.interaction.type == "optty.webhook"


def test_a_read_back_is_logged_as_such():
    event = mapping.read_back_event("payment-1", held("SUCCESSFUL"))
    assert (event.interaction.type, event.interaction.request) == ("optty.readBack", {"orderReference": "payment-1"})
    with pytest.raises(InvalidNotification):
        mapping.read_back_event("payment-2", held("SUCCESSFUL"))


CONFLICT = {"statusCode": 409, "message": "captureReference tx-1 already exists", "error": "Conflict"}


@pytest.mark.parametrize(
    ("listed", "interaction_id"),
    [
        ([{"captureId": "tx-1", "amount": 10}], "tx-1"),
        ([{"captureId": "cap-5", "captureReference": "tx-1", "amount": 10}], "cap-5"),
    ],
)
def test_after_a_409_the_capture_the_order_lists_under_the_reference_is_the_result(listed, interaction_id):
    result = mapping.held_result(change("Charge"), held("SUCCESSFUL", orderCaptures=listed), CONFLICT)
    assert (result.state, result.interaction_id) == ("Success", interaction_id)
    assert result.response["refused"] == CONFLICT


def test_after_a_409_a_refund_still_pending_is_pending():
    result = mapping.held_result(
        change("Refund"),
        held("SUCCESSFUL", refunds=[{"refundId": "tx-1", "amount": 10, "status": "PENDING"}]),
        CONFLICT,
    )
    assert (result.state, result.interaction_id) == ("Pending", "tx-1")


def test_after_a_409_for_a_reference_the_order_does_not_list_optty_refused():
    listed = held("SUCCESSFUL", orderCaptures=[{"captureId": "cap-other", "captureReference": "tx-0", "amount": 10}])
    with pytest.raises(ProviderRefused, match="already exists"):
        mapping.held_result(change("Charge"), listed, CONFLICT)
