"""A merchant captures, voids and refunds an Optty payment by adding Initial
transactions in the commercetools emulator; the extension carries each out at the Optty
sandbox, whose REFUND_CALLBACK webhooks and the reconciliation command read the order
back."""

import json

import pytest

# The shared steps, the same list as Kustom's modification tests import; the tests are Optty's.
from .modification_support import (
    add_transactions,
    added,
    call_extension,
    outcome,
    reconcile,
    transactions,
    with_initial,
)
from .optty_flow import new_payment, post_webhook
from .retry_support import LATE_MS


def authorized(emulator, optty, **request) -> dict:
    """A payment whose Optty order the shopper completed (not captured unless asked)."""
    payment = new_payment(emulator, **{"autoCapture": False, **request})
    assert optty.complete(payment["id"], "SUCCESSFUL")["notification"]["status"] == 200
    return emulator.get_payment(payment["id"])


def last_interaction(payment: dict) -> dict:
    fields = payment["interfaceInteractions"][-1]["fields"]
    return {**fields, "request": json.loads(fields["request"]), "response": json.loads(fields.get("response", "null"))}


def listed(optty, payment: dict, name: str) -> list[dict]:
    [order] = optty.orders(payment["id"])
    return order[name]


def test_part_captures_and_a_refund_confirmed_by_its_callback(emulator, optty):
    payment = authorized(emulator, optty)
    [first] = added(add_transactions(emulator, payment, ("Charge", 1000)))
    assert (first["state"], first["interactionId"]) == ("Success", first["id"])  # captureId = the reference
    logged = last_interaction(emulator.get_payment(payment["id"]))
    assert logged["type"] == "optty.capture"
    assert logged["request"] == {"orderReference": payment["id"], "captureReference": first["id"], "amount": "10.00"}
    payment = emulator.get_payment(payment["id"])
    [rest] = added(add_transactions(emulator, payment, ("Charge", 999)))
    assert [(c["captureId"], c["amount"]) for c in listed(optty, payment, "orderCaptures")] == [
        (first["id"], "10.00"),
        (rest["id"], "9.99"),
    ]

    payment = emulator.get_payment(payment["id"])
    [refund] = added(add_transactions(emulator, payment, ("Refund", 500)))
    assert (refund["state"], refund["interactionId"]) == ("Pending", refund["id"])  # the BNPL provider decides
    called = optty.decide_refund(payment["id"], refund["id"], "SUCCESSFUL")["notification"]
    assert called["status"] == 200 and '"applied"' in called["body"]
    stored = emulator.get_payment(payment["id"])
    assert transactions(stored)[1:] == [
        ("Charge", "Success", first["id"], 1000),
        ("Charge", "Success", rest["id"], 999),
        ("Refund", "Success", refund["id"], 500),
    ]
    assert [t["id"] for t in stored["transactions"]][-1] == refund["id"]  # the same transaction, settled


def test_a_part_void_then_the_void_of_the_rest(emulator, optty):
    payment = authorized(emulator, optty)
    void, capture = added(add_transactions(emulator, payment, ("CancelAuthorization", 999), ("Charge", 500)), 2)
    assert [(t["type"], t["state"], t["interactionId"]) for t in (void, capture)] == [
        ("CancelAuthorization", "Success", void["id"]),
        ("Charge", "Success", capture["id"]),
    ]
    payment = emulator.get_payment(payment["id"])
    [rest] = added(add_transactions(emulator, payment, ("CancelAuthorization", 500)))
    assert rest["state"] == "Success"
    assert [v["amount"] for v in listed(optty, payment, "orderVoids")] == ["9.99", "5.00"]


@pytest.mark.parametrize("repeat", ["first-result", "conflict"])
def test_the_same_update_sent_twice_captures_once_whatever_optty_answers_a_repeat(emulator, optty, stack, repeat):
    """commercetools retries an extension call whose answer it lost: the same
    captureReference. Optty answering the first result again, or refusing the repeat
    with a 409 (then the order is read back), both end with the one capture."""
    payment = authorized(emulator, optty)
    optty.repeated_references(repeat)
    update = with_initial(payment, "Charge", 1500)
    reference = update["transactions"][-1]["id"]
    first, again = call_extension(stack, update), call_extension(stack, update)
    assert outcome(first) == outcome(again) == [("Success", reference)]
    assert [c["amount"] for c in listed(optty, payment, "orderCaptures")] == ["15.00"]
    assert [(c["status"], c["replayed"]) for c in optty.changes(payment["id"])] == [
        (201, False),
        (409 if repeat == "conflict" else 201, True),
    ]


@pytest.mark.parametrize(
    ("auto_capture", "done", "asked", "code", "message"),
    [
        (False, [], ("Charge", 2000), "InvalidInput", "capture of 20.00 EUR exceeds the 19.99 EUR still authorized"),
        (True, [], ("Charge", 1), "InvalidInput", "exceeds the 0.00 EUR still authorized"),  # captured at checkout
        (True, [], ("CancelAuthorization", 1), "InvalidInput", "exceeds the 0.00 EUR authorized and not captured"),
        (False, [], ("Refund", 1), "InvalidInput", "exceeds the 0.00 EUR captured and not refunded"),
        (False, [("Charge", 1000)], ("CancelAuthorization", 1000), "InvalidInput", "exceeds the 9.99 EUR"),
        (True, [("Refund", 1500)], ("Refund", 500), "InvalidInput", "exceeds the 4.99 EUR captured and not refunded"),
        (False, [], ("Charge", -5), "InvalidInput", "must be greater than 0"),
    ],
)
def test_amounts_the_payment_does_not_hold_are_refused_before_optty_is_called(
    emulator, optty, auto_capture, done, asked, code, message
):
    payment = authorized(emulator, optty, autoCapture=auto_capture)
    for transaction in done:
        added(add_transactions(emulator, payment, transaction))
        payment = emulator.get_payment(payment["id"])
    calls = optty.changes(payment["id"])
    refused = add_transactions(emulator, payment, asked)
    assert refused.status_code == 400, refused.text
    [error] = refused.json()["errors"]
    assert error["code"] == code and message in error["message"]
    assert emulator.get_payment(payment["id"]) == payment
    assert optty.changes(payment["id"]) == calls


def test_a_capture_optty_refuses_is_a_failure_with_its_message(emulator, optty):
    payment = authorized(emulator, optty)
    optty.fail_next("capture", 400, message="The BNPL provider refused the capture")
    [capture] = added(add_transactions(emulator, payment, ("Charge", 1000)))
    assert (capture["state"], capture.get("interactionId")) == ("Failure", None)
    logged = last_interaction(emulator.get_payment(payment["id"]))
    assert logged["response"]["message"] == "The BNPL provider refused the capture"
    assert listed(optty, payment, "orderCaptures") == []


def test_a_refund_the_bnpl_provider_declines_fails_when_its_callback_comes(emulator, optty, stack):
    payment = authorized(emulator, optty, autoCapture=True)
    [refund] = added(add_transactions(emulator, payment, ("Refund", 700)))
    callback = optty.decide_refund(payment["id"], refund["id"], "DECLINED")
    stored = emulator.get_payment(payment["id"])
    assert transactions(stored)[-1] == ("Refund", "Failure", refund["id"], 700)
    assert stored["interfaceInteractions"][-1]["fields"]["type"] == "optty.webhook"
    again = post_webhook(stack, callback["webhook"])
    assert (again.status_code, again.json()) == (200, {"status": "unchanged"})
    assert emulator.get_payment(payment["id"]) == stored


def test_a_refund_that_timed_out_is_pending_until_its_callback_names_it(emulator, optty):
    payment = authorized(emulator, optty, autoCapture=True)
    optty.late_answers(LATE_MS, operation="refund")
    [refund] = added(add_transactions(emulator, payment, ("Refund", 500)))
    assert (refund["state"], refund.get("interactionId")) == ("Pending", None)
    [held] = listed(optty, payment, "refunds")  # Optty took it all the same
    optty.decide_refund(payment["id"], held["refundId"], "SUCCESSFUL")
    stored = emulator.get_payment(payment["id"])
    assert transactions(stored)[-1] == ("Refund", "Success", refund["id"], 500)
    assert len(stored["transactions"]) == 3  # authorization, the checkout's capture, the one refund


def test_a_refund_made_in_optty_s_portal_is_added_once(emulator, optty, stack):
    payment = authorized(emulator, optty, autoCapture=True)
    made = optty.back_office(payment["id"], "refund", "3.00")
    stored = emulator.get_payment(payment["id"])
    [held] = made["order"]["refunds"]
    assert transactions(stored)[-1] == ("Refund", "Success", held["refundId"], 300)
    assert post_webhook(stack, made["webhook"]).json() == {"status": "unchanged"}
    assert emulator.get_payment(payment["id"]) == stored


def test_a_refund_whose_callback_got_lost_is_settled_by_one_reconciliation_run(emulator, optty, stack):
    payment = authorized(emulator, optty, autoCapture=True)
    [refund] = added(add_transactions(emulator, payment, ("Refund", 1999)))
    optty.decide_refund(payment["id"], refund["id"], "SUCCESSFUL", deliver=False)
    assert transactions(emulator.get_payment(payment["id"]))[-1][1] == "Pending"

    run, summary = reconcile(stack, "--provider", "optty")
    assert run.returncode == 0, run.stdout + run.stderr
    assert summary["failed"] == 0 and summary["changed"] >= 1
    settled = emulator.get_payment(payment["id"])
    assert transactions(settled)[-1] == ("Refund", "Success", refund["id"], 1999)
    assert last_interaction(settled)["type"] == "optty.readBack"

    again, _ = reconcile(stack, "--provider", "optty")
    assert again.returncode == 0, again.stdout + again.stderr
    assert emulator.get_payment(payment["id"]) == settled
