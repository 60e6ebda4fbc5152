import json
from decimal import Decimal

import pytest

from connector.errors import InvalidInput, InvalidNotification, ProviderUnavailable
from connector.money import Money
from connector.payment import Payment
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
    assert invalid_fields(cent_amount=19995, currency="KWD", fraction_digits=3) == {"amountPlanned"}


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
