"""A storefront creates and updates Nuvei payments in commercetools; the platform shim
calls the extension service, which calls the Nuvei sandbox."""

import json
import time

from sandboxes.emulator import nuvei_payment

from .conftest import PROVIDER_TIMEOUT_MS
from .refusal_support import marked, refused_create, stored_with
from .retry_support import LATE_MS, interaction_types, retried_choice, timed_out_choice


def test_create_stores_the_nuvei_session_on_the_payment(emulator, nuvei):
    created = emulator.create_payment(nuvei_payment(), headers={"X-Correlation-ID": "checkout-e2e-1"})
    assert created.status_code == 201, created.text
    payment = emulator.get_payment(created.json()["id"])
    [order] = nuvei.orders(payment["id"])
    fields = payment["custom"]["fields"]
    assert fields["sessionToken"] == order["sessionToken"]
    assert payment["interfaceId"] == order["orderId"]
    assert json.loads(fields["sessionResponse"])["status"] == "SUCCESS"
    assert payment["paymentStatus"]["interfaceCode"] == "SUCCESS"
    [interaction] = payment["interfaceInteractions"]
    assert interaction["fields"]["type"] == "nuvei.openOrder"
    assert interaction["fields"]["correlationId"] == "checkout-e2e-1"
    assert json.loads(interaction["fields"]["request"])["checksum"] == "***"
    assert order["amount"] == "19.99" and order["currency"] == "EUR"


def test_update_of_a_payment_with_a_session_does_not_call_nuvei_again(emulator, nuvei, stack):
    payment = emulator.create_payment(nuvei_payment()).json()
    updated = emulator.update_payment(
        payment["id"], payment["version"], [{"action": "setMethodInfoName", "name": {"en": "Card"}}]
    )
    assert updated.status_code == 200, updated.text
    assert len(nuvei.orders(payment["id"])) == 1
    # The extension was called for the Update, and answered with nothing to do.
    update_lines = [
        entry
        for entry in stack.log_entries("extension")
        if entry.get("paymentId") == payment["id"] and entry.get("action") == "Update"
    ]
    assert update_lines and update_lines[-1]["outcome"] == "unchanged"


def test_invalid_input_reaches_the_merchant_and_nothing_is_stored(emulator, nuvei):
    draft = nuvei_payment(session_request={"billingAddress": {"country": "Germany"}, "amount": "0.01"})
    errors = refused_create(emulator, draft)
    assert {e["code"] for e in errors} == {"InvalidInput"}
    assert {e["extensionExtraInfo"]["field"] for e in errors} == {
        "sessionRequest.amount",
        "sessionRequest.billingAddress.country",
        "sessionRequest.billingAddress.email",
    }
    assert all(e["errorByExtension"]["key"] == "payment-connector-extension" for e in errors)


def test_a_nuvei_refusal_is_an_invalid_operation(emulator):
    # ISO 4217, but not set up for the sandbox merchant.
    [error] = refused_create(emulator, nuvei_payment(currency="THB"))
    assert error["code"] == "InvalidOperation"
    assert error["extensionExtraInfo"]["code"] == "1004"
    assert "currency" in error["message"]


def test_a_slow_nuvei_is_answered_as_general_before_the_timeout(emulator, nuvei):
    nuvei.latency(PROVIDER_TIMEOUT_MS + 2000)
    draft, marker = marked(nuvei_payment())
    started = time.monotonic()
    answer = emulator.create_payment(draft)
    elapsed = time.monotonic() - started
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "General"
    assert elapsed < PROVIDER_TIMEOUT_MS / 1000 + 0.5
    assert stored_with(emulator, marker) == []


def test_amounts_follow_the_currency_digits(emulator, nuvei):
    for cents, currency, amount in ((1000, "JPY", "1000"), (1500, "KWD", "1.500")):
        payment = emulator.create_payment(nuvei_payment(cent_amount=cents, currency=currency)).json()
        assert [order["amount"] for order in nuvei.orders(payment["id"])] == [amount]


def test_session_request_reaches_nuvei(emulator, nuvei):
    request = {"userTokenId": "shopper-1", "billingAddress": {"country": "DE", "email": "a@example.test"}}
    payment = emulator.create_payment(nuvei_payment(session_request=request)).json()
    assert payment["custom"]["fields"]["sessionRequest"] == json.dumps(request)
    assert payment["custom"]["fields"]["sessionToken"]


def test_a_retry_after_an_open_order_that_timed_out_opens_a_second_order(emulator, nuvei):
    """Nuvei opened the order, its answer came too late. Nuvei cannot be asked for it
    again (see connector/providers/nuvei), so the retried Update opens another order with
    a fresh clientRequestId; the first, whose token nobody received, holds no money."""
    nuvei.late_answers(LATE_MS)
    payment = timed_out_choice(emulator, nuvei_payment(), "nuvei")
    [lost] = nuvei.orders(payment["id"])

    opened = retried_choice(emulator, payment, "nuvei")
    first, second = nuvei.orders(payment["id"])
    assert first == lost
    assert first["clientRequestId"] != second["clientRequestId"]  # a repeat would be refused
    assert opened["interfaceId"] == second["orderId"]
    assert opened["custom"]["fields"]["sessionToken"] == second["sessionToken"]
    assert lost["sessionToken"] not in json.dumps(opened)
    assert opened["transactions"] == []  # an open order is no money
    assert interaction_types(opened) == ["nuvei.openOrder"]
