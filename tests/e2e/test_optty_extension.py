"""A storefront creates Optty payments in commercetools; the platform shim calls the
extension service, which creates the order at the Optty sandbox."""

import json

import requests

from connector.providers.optty.examples import session_request

from .modification_support import call_extension
from .optty_flow import new_payment, optty_draft
from .refusal_support import refused_create
from .retry_support import LATE_MS, interaction_types, retried_choice, timed_out_choice


def test_create_stores_redirect_url_and_token_on_the_payment(emulator, optty, stack):
    draft, _ = optty_draft()
    created = emulator.create_payment(draft, headers={"X-Correlation-ID": "checkout-optty-1"})
    assert created.status_code == 201, created.text
    payment = emulator.get_payment(created.json()["id"])
    [order] = optty.orders(payment["id"])
    fields = payment["custom"]["fields"]
    response = json.loads(fields["sessionResponse"])
    assert fields["sessionToken"] == response["orderToken"]
    assert fields["redirectUrl"] == response["redirectUrl"]
    assert requests.get(fields["redirectUrl"], timeout=5).status_code == 200
    assert payment["interfaceId"] == response["orderId"]
    assert payment["paymentStatus"]["interfaceCode"] == "pending"
    [authorization] = payment["transactions"]
    assert (authorization["type"], authorization["state"]) == ("Authorization", "Pending")
    assert authorization["interactionId"] == order["transactionReference"]
    assert authorization["amount"]["centAmount"] == 1999
    [interaction] = payment["interfaceInteractions"]
    assert interaction["fields"]["type"] == "optty.createOrder"
    assert interaction["fields"]["correlationId"] == "checkout-optty-1"
    sent = json.loads(interaction["fields"]["request"])
    assert (sent["orderReference"], sent["orderAmount"], sent["purchaseCurrency"]) == (payment["id"], 19.99, "EUR")
    assert sent["dynamicCallbackUrl"] == f"{stack.notification_url}/notifications/optty"
    assert (order["amount"], order["currency"]) == (19.99, "EUR")


def test_invalid_input_reaches_the_merchant_and_nothing_is_stored(emulator, optty):
    draft, _ = optty_draft(purchaseCountry="Germany", locale="deutsch", shippingAmount=5.99)
    errors = refused_create(emulator, draft)
    assert {e["code"] for e in errors} == {"InvalidInput"}
    assert {e["extensionExtraInfo"]["field"] for e in errors} == {
        "sessionRequest.purchaseCountry",
        "sessionRequest.locale",
    }


def test_amounts_that_do_not_add_up_are_refused_before_optty_is_called(emulator, optty):
    orders_before = len(optty.orders())
    draft, _ = optty_draft(shippingAmount=5.99)
    [error] = refused_create(emulator, draft)
    assert (error["code"], error["extensionExtraInfo"]["field"]) == ("InvalidInput", "sessionRequest.orderItems")
    assert len(optty.orders()) == orders_before


def test_an_optty_refusal_is_an_invalid_operation_with_its_messages(emulator, optty):
    draft, _ = optty_draft(bnplProvider="PAYLATER")
    [error] = refused_create(emulator, draft)
    assert error["code"] == "InvalidOperation"
    assert error["extensionExtraInfo"]["code"] == "400"
    assert error["extensionExtraInfo"]["messages"] == [
        "bnplProvider must be one of the following values: AFTERPAY, KLARNA, LATITUDEPAY_AU"
    ]
    assert "bnplProvider must be one of" in error["message"]


def test_a_retried_call_after_a_lost_answer_reuses_the_order(emulator, optty, stack):
    """commercetools calling again for the same payment (its first answer lost) gets the
    same order, and Optty holds one order only."""
    draft, _ = optty_draft()
    payment = {**draft, "id": f"retried-{draft['paymentMethodInfo']['method']}", "version": 1}
    answers = [call_extension(stack, payment, "Create") for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    first, second = (
        {a["name"]: a.get("value") for a in answer.json()["actions"] if a["action"] == "setCustomField"}
        for answer in answers
    )
    assert second["sessionToken"] == first["sessionToken"] and second["redirectUrl"] == first["redirectUrl"]
    assert len(optty.orders(payment["id"])) == 1
    reused = [a["fields"]["type"] for a in answers[1].json()["actions"] if a["action"] == "addInterfaceInteraction"]
    assert reused == ["optty.createOrder", "optty.getOrder"]


def test_an_update_of_a_payment_with_an_order_does_not_call_optty_again(emulator, optty):
    payment = new_payment(emulator)
    updated = emulator.update_payment(
        payment["id"], payment["version"], [{"action": "setMethodInfoName", "name": {"en": "Pay later"}}]
    )
    assert updated.status_code == 200, updated.text
    assert len(optty.orders(payment["id"])) == 1
    assert len(updated.json()["interfaceInteractions"]) == 1


def test_a_retry_after_a_create_that_timed_out_opens_the_payment_on_the_order_optty_holds(emulator, optty, stack):
    """Optty created the order, its answer came too late: the retried Update gets Optty's
    409, reads the order back and opens the payment on it, as a first answer would."""
    draft, _ = optty_draft()
    optty.late_answers(LATE_MS)
    payment = timed_out_choice(emulator, draft, "optty")
    [order] = optty.orders(payment["id"])  # Optty holds it all the same

    opened = retried_choice(emulator, payment, "optty")
    assert optty.orders(payment["id"]) == [order]
    assert opened["interfaceId"] == order["orderId"]
    fields = opened["custom"]["fields"]
    assert (fields["sessionToken"], fields["redirectUrl"]) == (order["orderToken"], order["redirectUrl"])
    assert requests.get(fields["redirectUrl"], timeout=5).status_code == 200
    assert opened["paymentStatus"]["interfaceCode"] == "PENDING"
    assert [(t["type"], t["state"], t["interactionId"]) for t in opened["transactions"]] == [
        ("Authorization", "Pending", order["transactionReference"])
    ]
    assert interaction_types(opened) == ["optty.createOrder", "optty.getOrder"]
    conflict = json.loads(opened["interfaceInteractions"][0]["fields"]["response"])
    assert conflict == {
        "statusCode": 409,
        "message": f"Order with reference {payment['id']} already exists",
        "error": "Conflict",
    }
    # No record of its own: the autoCapture asked for is the payment's (Optty's default).
    assert emulator.request("GET", f"custom-objects/payment-connector-optty/{payment['id']}").status_code == 404
    assert optty.complete(payment["id"], "SUCCESSFUL")["notification"]["status"] == 200
    paid = emulator.get_payment(payment["id"])
    assert [(t["type"], t["state"]) for t in paid["transactions"]] == [
        ("Authorization", "Success"),
        ("Charge", "Success"),
    ]


def test_an_order_optty_holds_for_another_amount_is_refused(emulator, optty):
    draft, _ = optty_draft()
    optty.late_answers(LATE_MS)
    payment = timed_out_choice(emulator, draft, "optty")
    changed = emulator.update_payment(
        payment["id"],
        payment["version"],
        [
            {"action": "changeAmountPlanned", "amount": {"currencyCode": "EUR", "centAmount": 2999}},
            {
                "action": "setCustomField",
                "name": "sessionRequest",
                "value": json.dumps(session_request(shippingAmount=14.99)),
            },
            {"action": "setMethodInfoInterface", "interface": "optty"},
        ],
    )
    assert changed.status_code == 400
    [error] = changed.json()["errors"]
    assert error["code"] == "InvalidOperation"
    assert error["extensionExtraInfo"]["code"] == "409"
    assert (error["extensionExtraInfo"]["amount"], error["extensionExtraInfo"]["currency"]) == ("19.99", "EUR")
    assert len(optty.orders(payment["id"])) == 1
