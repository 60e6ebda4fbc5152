"""A storefront creates Kustom payments in commercetools; the platform shim calls the
extension service, which charges the customer token at the Kustom sandbox."""

import json
import time
import uuid

import pytest

from connector.providers.kustom.mapping import idempotency_key

from .conftest import PROVIDER_TIMEOUT_MS
from .kustom_sandbox import kustom_payment
from .modification_support import call_extension, transactions
from .refusal_support import refused_create
from .retry_support import LATE_MS, interaction_types, retried_choice, timed_out_choice


def test_an_accepted_charge_is_a_successful_authorization(emulator, kustom, stack):
    created = emulator.create_payment(kustom_payment(kustom.token()), headers={"X-Correlation-ID": "checkout-kustom-1"})
    assert created.status_code == 201, created.text
    payment = emulator.get_payment(created.json()["id"])
    [order] = kustom.orders(payment["id"])
    assert payment["interfaceId"] == order["order_id"]
    assert transactions(payment) == [("Authorization", "Success", order["order_id"], 1999)]
    fields = payment["custom"]["fields"]
    assert fields["redirectUrl"].endswith(f"/kustom/redirect/{order['order_id']}")
    assert json.loads(fields["sessionResponse"])["fraud_status"] == "ACCEPTED"
    assert payment["paymentStatus"]["interfaceCode"] == "ACCEPTED"
    [interaction] = payment["interfaceInteractions"]
    assert (interaction["fields"]["type"], interaction["fields"]["correlationId"]) == (
        "kustom.order",
        "checkout-kustom-1",
    )
    # What reached Kustom: the connector's own fields, in minor units.
    assert (order["merchant_reference1"], order["purchase_currency"], order["order_amount"]) == (
        payment["id"],
        "EUR",
        1999,
    )
    assert (
        order["merchant_urls"]["push"]
        == f"{stack.notification_url}/notifications/kustom?order_id={{checkout.order.id}}"
    )
    [charge] = kustom.charges(payment["id"])
    assert charge["idempotency_key"] == idempotency_key(payment["id"])


def test_auto_capture_of_an_accepted_charge_adds_the_charge(emulator, kustom):
    payment = emulator.create_payment(kustom_payment(kustom.token(), auto_capture=True)).json()
    assert [(t["type"], t["state"]) for t in payment["transactions"]] == [
        ("Authorization", "Success"),
        ("Charge", "Success"),
    ]
    assert kustom.orders(payment["id"])[0]["status"] == "CAPTURED"


@pytest.mark.parametrize(
    ("token_options", "code"),
    [({"state": "SUSPENDED"}, "TOKEN_SUSPENDED"), ({"payment_method_fails": True}, "PAYMENT_METHOD_FAILED")],
)
def test_a_declined_charge_is_stored_as_a_failure_and_never_retried(emulator, kustom, token_options, code):
    created = emulator.create_payment(kustom_payment(kustom.token(**token_options)))
    assert created.status_code == 201, created.text
    payment = created.json()
    [transaction] = payment["transactions"]
    assert (transaction["type"], transaction["state"]) == ("Authorization", "Failure")
    assert transaction["interactionId"] == idempotency_key(payment["id"])
    assert payment["paymentStatus"]["interfaceCode"] == code
    assert json.loads(payment["custom"]["fields"]["sessionResponse"])["error_code"] == code
    assert "interfaceId" not in payment and "redirectUrl" not in payment["custom"]["fields"]
    assert kustom.orders(payment["id"]) == []

    updated = emulator.update_payment(
        payment["id"], payment["version"], [{"action": "setMethodInfoName", "name": {"en": "Kustom"}}]
    )
    assert updated.status_code == 200, updated.text
    assert len(kustom.charges(payment["id"])) == 1  # the Update did not call Kustom
    stored = emulator.get_payment(payment["id"])
    assert stored["transactions"] == payment["transactions"]
    assert stored["interfaceInteractions"] == payment["interfaceInteractions"]


def test_the_extension_called_twice_for_one_payment_charges_once(emulator, kustom, stack):
    payment = emulator.create_payment(kustom_payment(kustom.token())).json()
    # commercetools retrying the Create after a lost answer: the payment as first sent.
    as_first_sent = {key: payment[key] for key in ("id", "version", "amountPlanned", "paymentMethodInfo")}
    as_first_sent["custom"] = {
        "type": payment["custom"]["type"],
        "fields": {"sessionRequest": payment["custom"]["fields"]["sessionRequest"]},
    }
    retried = call_extension(stack, as_first_sent, "Create")
    assert retried.status_code == 200, retried.text
    actions = {action["action"]: action for action in retried.json()["actions"]}
    assert actions["setInterfaceId"]["interfaceId"] == payment["interfaceId"]
    assert len(kustom.orders(payment["id"])) == 1
    assert [charge["replayed"] for charge in kustom.charges(payment["id"])] == [False, True]


def test_a_bad_line_is_named_and_nothing_is_charged_or_stored(emulator, kustom):
    token = kustom.token()
    draft = kustom_payment(token)
    session_request = json.loads(draft["custom"]["fields"]["sessionRequest"])
    session_request["order_lines"][2]["total_tax_amount"] = 102
    draft["custom"]["fields"]["sessionRequest"] = json.dumps(session_request)
    errors = refused_create(emulator, draft)
    assert {e["code"] for e in errors} == {"InvalidInput"}
    assert [e["extensionExtraInfo"]["field"] for e in errors] == ["sessionRequest.order_lines[2].total_tax_amount"]
    assert kustom.charges(customer_token=token) == []


def test_a_currency_that_is_none_is_named_and_nothing_is_charged_or_stored(emulator, kustom):
    # The emulator takes any three letters, where commercetools takes ISO 4217's.
    token = kustom.token()
    draft = kustom_payment(token)
    draft["amountPlanned"]["currencyCode"] = "ZZZ"
    [error] = refused_create(emulator, draft)
    assert (error["code"], error["extensionExtraInfo"]["field"]) == ("InvalidInput", "amountPlanned.currencyCode")
    assert kustom.charges(customer_token=token) == []


def test_a_token_kustom_does_not_know_is_an_invalid_operation(emulator, kustom):
    [error] = refused_create(emulator, kustom_payment(str(uuid.uuid4())))
    assert error["code"] == "InvalidOperation"
    assert error["extensionExtraInfo"]["code"] == "TOKEN_NOT_FOUND"
    assert error["extensionExtraInfo"]["correlation_id"]


def test_a_charge_that_timed_out_is_not_repeated_by_the_retry(kustom, stack):
    """Kustom may still create the order after the extension gave up; commercetools'
    retry of that payment must get this order back, not charge again."""
    payment = {
        "id": str(uuid.uuid4()),
        "version": 1,
        "amountPlanned": {"type": "centPrecision", "currencyCode": "EUR", "centAmount": 1999, "fractionDigits": 2},
        "paymentMethodInfo": {"paymentInterface": "kustom"},
        "custom": kustom_payment(kustom.token())["custom"],
    }
    kustom.latency(PROVIDER_TIMEOUT_MS + 300)
    started = time.monotonic()
    timed_out = call_extension(stack, payment, "Create")
    assert time.monotonic() - started < PROVIDER_TIMEOUT_MS / 1000 + 0.5
    assert (timed_out.status_code, timed_out.json()["errors"][0]["code"]) == (400, "General")
    kustom.latency(0)
    retried = call_extension(stack, payment, "Create")
    assert retried.status_code == 200, retried.text
    deadline = time.monotonic() + 5
    while len(kustom.charges(payment["id"])) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the first request is still on its way through the sandbox
    [order] = kustom.orders(payment["id"])
    actions = {action["action"]: action for action in retried.json()["actions"]}
    assert actions["setInterfaceId"]["interfaceId"] == order["order_id"]
    assert sorted(charge["replayed"] for charge in kustom.charges(payment["id"])) == [False, True]


def test_a_retry_after_a_charge_that_timed_out_gets_kustoms_first_answer(emulator, kustom):
    """Kustom created the order, its answer came too late: the retried Update sends the
    same idempotency key and gets that order back, not a second charge."""
    kustom.late_answers(LATE_MS, operation="createOrder")
    payment = timed_out_choice(emulator, kustom_payment(kustom.token()), "kustom")
    [order] = kustom.orders(payment["id"])

    opened = retried_choice(emulator, payment, "kustom")
    assert kustom.orders(payment["id"]) == [order]
    assert [charge["replayed"] for charge in kustom.charges(payment["id"])] == [False, True]
    assert opened["interfaceId"] == order["order_id"]
    assert [(t["type"], t["state"], t["interactionId"]) for t in opened["transactions"]] == [
        ("Authorization", "Success", order["order_id"])
    ]
    assert interaction_types(opened) == ["kustom.order"]
