"""A storefront creates Nexway payments in commercetools; the platform shim calls the
extension service, which creates the order at the Nexway sandbox."""

import json

import pytest

from connector.providers.nexway.sandbox.app import CREDENTIALS, spelled
from tests.factories import nexway_session_request

from .nexway_support import nexway_draft
from .refusal_support import refused_create
from .retry_support import LATE_MS, interaction_types, retried_choice, timed_out_choice


def test_create_stores_the_order_and_its_download_links(emulator, nexway):
    created = emulator.create_payment(nexway_draft(), headers={"X-Correlation-ID": "checkout-nexway-1"})
    assert created.status_code == 201, created.text
    payment = emulator.get_payment(created.json()["id"])
    [order] = nexway.orders(payment["id"])
    assert payment["interfaceId"] == str(order["orderNumber"])
    assert payment["paymentStatus"]["interfaceCode"] == "COMPLETED"
    [charge] = payment["transactions"]
    assert (charge["type"], charge["state"], charge["interactionId"]) == ("Charge", "Success", payment["interfaceId"])
    assert charge["amount"]["centAmount"] == 1999
    response = json.loads(payment["custom"]["fields"]["sessionResponse"])
    assert response["downloadManager"]["pc"].startswith("https://")
    assert response["orderLines"][0]["files"][0]["url"].startswith("https://")
    [interaction] = payment["interfaceInteractions"]
    assert interaction["fields"]["type"] == "nexway.createOrder"
    assert interaction["fields"]["correlationId"] == "checkout-nexway-1"


def test_no_serial_or_secret_reaches_commercetools(emulator, nexway):
    payment = emulator.create_payment(nexway_draft()).json()
    stored_payment = json.dumps(emulator.get_payment(payment["id"]))
    assert "SERIAL-" not in stored_payment
    for secret in (CREDENTIALS["NEXWAY_SECRET"], CREDENTIALS["NEXWAY_CLIENT_SECRET"]):
        assert secret not in stored_payment


def test_an_out_of_stock_product_reaches_the_merchant_and_nothing_is_stored(emulator, nexway):
    [error] = refused_create(emulator, nexway_draft(nexway_session_request("9044")))
    assert error["code"] == "InvalidOperation"
    assert (error["extensionExtraInfo"]["provider"], error["extensionExtraInfo"]["code"]) == ("nexway", "1044")
    assert "out of stock" in error["message"]


def test_invalid_input_is_named_at_once_and_nothing_is_stored(emulator, nexway):
    request = nexway_session_request()
    del request["customer"]["email"]
    request["orderLines"][0]["amountTotal"] = 18.00
    errors = refused_create(emulator, nexway_draft(request, cent_amount=1800))
    assert {e["code"] for e in errors} == {"InvalidInput"}
    assert {e["extensionExtraInfo"]["field"] for e in errors} == {
        "sessionRequest.customer.email",
        "sessionRequest.orderLines[0].amountTotal",
    }


def test_an_unknown_product_is_nexways_refusal_with_its_code_and_the_line(emulator, nexway):
    [error] = refused_create(emulator, nexway_draft(nexway_session_request("4242")))
    assert error["code"] == "InvalidOperation"
    assert "Unknown productRef" in error["message"]
    assert error["extensionExtraInfo"] == {
        "provider": "nexway",
        "code": "1020",
        "responseCode": 1020,
        "field": "sessionRequest.orderLines[0].productRef",
        "productRefs": ["4242"],
    }


def test_a_retry_after_a_lost_answer_reuses_the_order(emulator, nexway):
    # The storefront sets the interface once the shopper chose Nexway: an Update.
    payment = emulator.create_payment(nexway_draft(interface="undecided")).json()
    choose_nexway = [{"action": "setMethodInfoInterface", "interface": "nexway"}]
    nexway.lose_answers(1)
    lost = emulator.update_payment(payment["id"], payment["version"], choose_nexway)
    assert lost.status_code == 400 and lost.json()["errors"][0]["code"] == "General"
    [order] = nexway.orders(payment["id"])  # created at Nexway all the same
    retried = emulator.update_payment(payment["id"], payment["version"], choose_nexway)
    assert retried.status_code == 200, retried.text
    assert nexway.orders(payment["id"]) == [order]
    updated = retried.json()
    assert updated["interfaceId"] == str(order["orderNumber"])
    assert [i["fields"]["type"] for i in updated["interfaceInteractions"]] == ["nexway.createOrder", "nexway.getOrder"]
    assert json.loads(updated["interfaceInteractions"][0]["fields"]["response"])["responseCode"] == 1010
    assert [(t["type"], t["state"]) for t in updated["transactions"]] == [("Charge", "Success")]


def test_an_expired_token_is_replaced_without_the_merchant_noticing(emulator, nexway):
    assert emulator.create_payment(nexway_draft()).status_code == 201
    nexway.revoke_tokens()
    assert emulator.create_payment(nexway_draft()).status_code == 201


def test_the_order_refers_to_the_payment_the_storefront_took(emulator, nexway):
    draft = nexway_draft()
    amount = {"currencyCode": "EUR", "centAmount": 1999}
    draft["transactions"] = [
        {"type": "Authorization", "state": "Success", "interactionId": "psp-4711", "amount": amount}
    ]
    payment = emulator.create_payment(draft).json()
    [order] = nexway.orders(payment["id"])
    assert order["payment"] == {"paymentMethod": "External Payment", "transactionId": "psp-4711"}
    # The storefront's authorization, then Nexway's sale.
    assert [(t["type"], t["interactionId"]) for t in payment["transactions"]] == [
        ("Authorization", "psp-4711"),
        ("Charge", str(order["orderNumber"])),
    ]


def test_logs_hold_no_nexway_credential_or_serial(emulator, nexway, stack):
    payment = emulator.create_payment(nexway_draft()).json()
    nexway.event(payment["interfaceId"], "completed")
    secrets = [value for name, value in CREDENTIALS.items() if name != "NEXWAY_NOTIFICATION_USERNAME"] + ["SERIAL-"]
    for service in ("extension", "notification"):
        log = stack.log(service)
        assert payment["id"] in log
        for secret in secrets:
            assert secret not in log, f"{service} logged {secret}"


@pytest.mark.parametrize("spelling", ["camelCase", "lower_snake", "kebab-case"])
def test_status_words_spelled_unlike_the_examples_open_the_payment_and_move_it(emulator, nexway, spelling):
    """responseCode 1061 says Nexway took the order: however Nexway spells its status,
    the payment opens (no orphan order at Nexway), with the status as Nexway wrote it."""
    nexway.spell_statuses(spelling)
    created = emulator.create_payment(nexway_draft(nexway_session_request("9061")))
    assert created.status_code == 201, created.text
    payment = created.json()
    [order] = nexway.orders(payment["id"])
    assert payment["interfaceId"] == str(order["orderNumber"])
    assert payment["paymentStatus"]["interfaceCode"] == spelled("FRAUD_PENDING", spelling)
    assert [(t["type"], t["state"]) for t in payment["transactions"]] == [("Charge", "Pending")]

    assert nexway.event(payment["interfaceId"], "completed")["notification"]["status"] == 200
    completed = emulator.get_payment(payment["id"])
    assert [(t["type"], t["state"]) for t in completed["transactions"]] == [("Charge", "Success")]
    assert completed["paymentStatus"]["interfaceCode"] == spelled("COMPLETED", spelling)


def test_a_retry_after_an_order_that_timed_out_reads_the_order_nexway_holds(emulator, nexway):
    """Nexway created the order, its answer came too late: the retried Update gets 1010
    naming the order, which is read back; Nexway holds one order."""
    nexway.late_answers(LATE_MS)
    payment = timed_out_choice(emulator, nexway_draft(), "nexway")
    [order] = nexway.orders(payment["id"])

    opened = retried_choice(emulator, payment, "nexway")
    assert nexway.orders(payment["id"]) == [order]
    assert opened["interfaceId"] == str(order["orderNumber"])
    assert opened["paymentStatus"]["interfaceCode"] == "COMPLETED"
    assert [(t["type"], t["state"]) for t in opened["transactions"]] == [("Charge", "Success")]
    assert interaction_types(opened) == ["nexway.createOrder", "nexway.getOrder"]
    assert json.loads(opened["interfaceInteractions"][0]["fields"]["response"])["responseCode"] == 1010
