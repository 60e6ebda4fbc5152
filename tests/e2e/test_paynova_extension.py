"""A storefront creates Paynova payments in commercetools; the platform shim calls the
extension service, which creates the order and the payment session at the Paynova
sandbox."""

import json
import time

import pytest

from connector.providers.paynova.sandbox.app import CUSTOMER
from sandboxes.emulator import payment_draft
from tests.factories import paynova_session_request

from .conftest import PROVIDER_TIMEOUT_MS
from .paynova_support import paynova_payment
from .refusal_support import refused_create
from .retry_support import LATE_MS, interaction_types, retried_choice, timed_out_choice

pytestmark = pytest.mark.usefixtures("_undo_paynova_faults")


def test_create_stores_the_paynova_session_on_the_payment(emulator, paynova, stack):
    created = emulator.create_payment(paynova_payment(), headers={"X-Correlation-ID": "checkout-paynova-1"})
    assert created.status_code == 201, created.text
    payment = emulator.get_payment(created.json()["id"])
    [order] = paynova.orders(payment["id"])
    [session] = order["sessions"]
    fields = payment["custom"]["fields"]
    assert payment["interfaceId"] == order["orderId"]
    assert fields["sessionToken"] == session["sessionId"]
    assert fields["redirectUrl"].endswith(f"/paynova/aero/{session['sessionId']}")
    assert json.loads(fields["sessionResponse"])["orderId"] == order["orderId"]
    assert payment["paymentStatus"]["interfaceCode"] == "SUCCESS"
    assert (order["totalAmount"], order["currencyCode"]) == ("19.99", "EUR")
    assert session["urlCallback"] == f"{stack.notification_url}/notifications/paynova"
    interactions = [i["fields"] for i in payment["interfaceInteractions"]]
    assert [i["type"] for i in interactions] == ["paynova.createOrder", "paynova.initializePayment"]
    assert {i["correlationId"] for i in interactions} == {"checkout-paynova-1"}


def test_invalid_input_reaches_the_merchant_and_nothing_is_stored(emulator, paynova):
    orders_before = len(paynova.orders())
    lines_for_more = paynova_session_request("25.00", billTo={"name": {}, "address": {}})
    errors = refused_create(emulator, payment_draft("paynova", 1999, "EUR", lines_for_more))
    assert {e["code"] for e in errors} == {"InvalidInput"}
    assert {e["extensionExtraInfo"]["field"] for e in errors} == {
        "sessionRequest.billTo.address.countryCode",
        "sessionRequest.lineItems",
    }
    assert len(paynova.orders()) == orders_before


def test_a_paynova_refusal_is_an_invalid_operation_with_its_field_errors(emulator):
    # ISO 4217, but not one Paynova takes.
    [error] = refused_create(emulator, paynova_payment(currency="THB"))
    assert error["code"] == "InvalidOperation"
    info = error["extensionExtraInfo"]
    assert (info["provider"], info["code"], info["errorNumber"], info["statusKey"]) == (
        "paynova",
        "-2",
        -2,
        "VALIDATION_ERROR",
    )
    assert [e["fieldName"] for e in info["errors"]] == ["currencyCode"]


def test_amounts_follow_the_currency_digits(emulator, paynova):
    payment = emulator.create_payment(paynova_payment(cent_amount=1000, currency="JPY")).json()
    [order] = paynova.orders(payment["id"])
    assert (order["totalAmount"], order["sessions"][0]["totalAmount"]) == ("1000", "1000")


def test_a_failed_session_is_retried_on_the_order_already_created(emulator, paynova):
    """The payment is created first without a provider, then switched to Paynova by an
    Update; its first session fails, and the Update sent again must not create a
    second order."""
    draft = paynova_payment()
    del draft["paymentMethodInfo"]["paymentInterface"]
    payment = emulator.create_payment(draft).json()
    switch = [{"action": "setMethodInfoInterface", "interface": "paynova"}]
    paynova.fail_next_session()
    failed = emulator.update_payment(payment["id"], payment["version"], switch)
    assert failed.status_code == 400
    assert failed.json()["errors"][0]["code"] == "General"
    retried = emulator.update_payment(payment["id"], payment["version"], switch)
    assert retried.status_code == 200, retried.text
    [order] = paynova.orders(payment["id"])
    assert retried.json()["interfaceId"] == order["orderId"]
    assert len(order["sessions"]) == 1
    record = emulator.request("GET", f"custom-objects/payment-connector-paynova/{payment['id']}").json()
    assert record["value"]["orderId"] == order["orderId"]


def test_one_deadline_covers_both_paynova_calls(emulator, paynova):
    """Each call alone fits the provider timeout, both together do not."""
    paynova.latency(PROVIDER_TIMEOUT_MS * 6 // 10)
    started = time.monotonic()
    [error] = refused_create(emulator, paynova_payment())
    assert time.monotonic() - started < PROVIDER_TIMEOUT_MS / 1000 + 0.5
    assert error["code"] == "General"


def test_the_government_id_is_masked_in_the_interface_interaction(emulator, paynova):
    payment = emulator.create_payment(paynova_payment(customer=CUSTOMER)).json()
    # Paid too, so that both services have handled it when the logs are scanned
    # (test_secrets_in_logs.py, at the end of the session).
    paynova.pay(payment["custom"]["fields"]["sessionToken"], "AUTHORIZED")
    stored = emulator.get_payment(payment["id"])
    [created] = [i["fields"] for i in stored["interfaceInteractions"] if i["fields"]["type"] == "paynova.createOrder"]
    assert json.loads(created["request"])["customer"]["governmentId"] == "***"


def test_a_retry_after_a_session_that_timed_out_opens_it_on_the_order_already_created(emulator, paynova):
    """Paynova created the order (its answer arrived and was recorded) and then the
    session, whose answer came too late: the retried Update opens another session on that
    one order. The first session's id reached nobody, so nobody pays in it."""
    paynova.late_answers(LATE_MS, "initializePayment")
    payment = timed_out_choice(emulator, paynova_payment(), "paynova")
    [order] = paynova.orders(payment["id"])
    [lost] = order["sessions"]

    opened = retried_choice(emulator, payment, "paynova")
    [held] = paynova.orders(payment["id"])
    assert held["orderId"] == order["orderId"] == opened["interfaceId"]
    first, second = held["sessions"]
    assert first == lost
    assert opened["custom"]["fields"]["sessionToken"] == second["sessionId"]
    assert interaction_types(opened) == ["paynova.initializePayment"]
    # The lost session expires unused; its end is not the payment's.
    [[delivery]] = paynova.end_session(lost["sessionId"], "EXPIRED")["deliveries"]
    assert delivery["status"] == 200
    assert emulator.get_payment(payment["id"])["version"] == opened["version"]


def test_a_retry_after_an_order_that_timed_out_creates_a_second_order(emulator, paynova):
    """Paynova created the order, its answer came too late: Paynova reads orders by
    orderId only, which never arrived, so the retry creates another order (see
    connector/providers/paynova). The first has no session: no shopper pays in it."""
    paynova.late_answers(LATE_MS, "createOrder")
    payment = timed_out_choice(emulator, paynova_payment(), "paynova")
    [lost] = paynova.orders(payment["id"])

    opened = retried_choice(emulator, payment, "paynova")
    first, second = paynova.orders(payment["id"])
    assert (first["orderId"], first["sessions"]) == (lost["orderId"], [])
    assert opened["interfaceId"] == second["orderId"]
    assert opened["custom"]["fields"]["sessionToken"] == second["sessions"][0]["sessionId"]
