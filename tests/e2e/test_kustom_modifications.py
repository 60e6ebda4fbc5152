"""A merchant captures, refunds and cancels a Kustom payment by adding Initial
transactions in the commercetools emulator; the extension carries each out at the Kustom
sandbox's order management, pushes and the reconciliation command read the order back."""

import json

import pytest

from .kustom_sandbox import kustom_payment
from .modification_support import (
    add_transactions,
    added,
    call_extension,
    outcome,
    reconcile,
    transactions,
    with_initial,
)
from .retry_support import LATE_MS


def authorized(emulator, kustom, **session_request) -> tuple[dict, str]:
    """A payment whose charge Kustom accepted (not captured), and its order id."""
    payment = emulator.create_payment(kustom_payment(kustom.token(), **session_request)).json()
    assert payment["transactions"][0]["state"] == "Success"
    return payment, payment["interfaceId"]


def last_interaction(payment: dict) -> dict:
    fields = payment["interfaceInteractions"][-1]["fields"]
    return {**fields, "request": json.loads(fields["request"]), "response": json.loads(fields.get("response", "null"))}


def test_part_captures_and_a_refund_each_recorded_under_kustoms_id(emulator, kustom):
    payment, order_id = authorized(emulator, kustom)
    [first] = added(add_transactions(emulator, payment, ("Charge", 1500)))
    order = kustom.order(order_id)
    assert (order["status"], order["captured_amount"]) == ("PART_CAPTURED", 1500)
    [capture] = order["captures"]
    assert (first["state"], first["interactionId"]) == ("Success", capture["capture_id"])
    assert capture["reference"] == first["id"]  # in Kustom's settlement files

    payment = emulator.get_payment(payment["id"])
    logged = last_interaction(payment)
    assert (logged["type"], logged["request"]["Klarna-Idempotency-Key"]) == ("kustom.capture", first["id"])
    assert logged["response"]["Capture-Id"] == capture["capture_id"]

    [rest] = added(add_transactions(emulator, payment, ("Charge", 499)))
    payment = emulator.get_payment(payment["id"])
    [refund] = added(add_transactions(emulator, payment, ("Refund", 300)))
    order = kustom.order(order_id)
    assert (order["status"], order["captured_amount"], order["refunded_amount"]) == ("CAPTURED", 1999, 300)
    assert (rest["state"], rest["interactionId"]) == ("Success", order["captures"][1]["capture_id"])
    assert (refund["state"], refund["interactionId"]) == ("Success", order["refunds"][0]["refund_id"])
    assert [c["idempotency_key"] for c in kustom.changes(order_id)] == [first["id"], rest["id"], refund["id"]]


def test_a_cancellation_before_any_capture_cancels_the_order(emulator, kustom):
    payment, order_id = authorized(emulator, kustom)
    [cancel] = added(add_transactions(emulator, payment, ("CancelAuthorization", 1999)))
    assert (cancel["state"], cancel["interactionId"]) == ("Success", order_id)
    assert kustom.order(order_id)["status"] == "CANCELLED"
    assert [c["operation"] for c in kustom.changes(order_id)] == ["cancel"]


def test_a_capture_and_the_release_of_the_rest_in_one_update(emulator, kustom):
    payment, order_id = authorized(emulator, kustom)
    capture, release = added(add_transactions(emulator, payment, ("Charge", 1000), ("CancelAuthorization", 999)), 2)
    assert [(t["state"], t["type"]) for t in (capture, release)] == [
        ("Success", "Charge"),
        ("Success", "CancelAuthorization"),
    ]
    assert release["interactionId"] == order_id
    order = kustom.order(order_id)
    assert (order["status"], order["captured_amount"], order["remaining_authorized_amount"]) == ("CAPTURED", 1000, 0)
    assert [c["operation"] for c in kustom.changes(order_id)] == ["captures", "release-remaining-authorization"]


def test_the_same_update_sent_twice_moves_the_money_once(emulator, kustom, stack):
    """commercetools retries an extension call whose answer it lost: the same
    transaction id, so the same Klarna-Idempotency-Key, and Kustom's first answer."""
    payment, order_id = authorized(emulator, kustom)
    update = with_initial(payment, "Charge", 1500)
    first, again = call_extension(stack, update), call_extension(stack, update)
    [capture] = kustom.order(order_id)["captures"]
    assert outcome(first) == outcome(again) == [("Success", capture["capture_id"])]
    assert kustom.order(order_id)["captured_amount"] == 1500
    assert [c["replayed"] for c in kustom.changes(order_id)] == [False, True]


@pytest.mark.parametrize(
    ("done", "asked", "code", "message"),
    [
        ([], ("Charge", 2000), "InvalidInput", "capture of 20.00 EUR exceeds the 19.99 EUR still authorized"),
        ([], ("Refund", 1), "InvalidInput", "refund of 0.01 EUR exceeds the 0.00 EUR captured and not refunded"),
        ([("Charge", 1000)], ("Refund", 1001), "InvalidInput", "refund of 10.01 EUR exceeds the 10.00 EUR"),
        (
            [("Charge", 1999)],
            ("CancelAuthorization", 1),
            "InvalidInput",
            "exceeds the 0.00 EUR authorized and not captured",
        ),
        (
            [],
            ("CancelAuthorization", 1000),
            "InvalidOperation",
            "kustom can only cancel everything that is left at once",
        ),
        ([], ("Charge", 0), "InvalidInput", "must be greater than 0"),
    ],
)
def test_amounts_the_payment_does_not_hold_are_refused_before_kustom_is_called(
    emulator, kustom, done, asked, code, message
):
    payment, order_id = authorized(emulator, kustom)
    for transaction in done:
        add_transactions(emulator, payment, transaction)
        payment = emulator.get_payment(payment["id"])
    calls = kustom.changes(order_id)
    refused = add_transactions(emulator, payment, asked)
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["code"] == code and message in error["message"]
    assert error["extensionExtraInfo"]["field"] == f"transactions[{len(payment['transactions'])}].amount"
    assert emulator.get_payment(payment["id"]) == payment
    assert kustom.changes(order_id) == calls


def test_a_currency_other_than_the_payments_is_refused(emulator, kustom):
    payment, order_id = authorized(emulator, kustom)
    refused = add_transactions(emulator, payment, ("Charge", 100), currency="SEK")
    assert refused.status_code == 400
    assert "is in SEK, the payment in EUR" in refused.json()["errors"][0]["message"]
    assert kustom.changes(order_id) == []


def test_a_capture_kustom_refuses_is_a_failure_with_its_reason(emulator, kustom):
    """The order was cancelled in Kustom's back office and the push got lost: the
    connector still counts the authorization, Kustom refuses the capture."""
    payment, order_id = authorized(emulator, kustom)
    kustom.back_office(order_id, "cancel", deliver=False)
    [capture] = added(add_transactions(emulator, payment, ("Charge", 1000)))
    assert (capture["state"], capture.get("interactionId")) == ("Failure", None)
    logged = last_interaction(emulator.get_payment(payment["id"]))
    assert (logged["type"], logged["response"]["code"]) == ("kustom.capture", "CAPTURE_NOT_ALLOWED")
    assert logged["response"]["error_messages"] and logged["response"]["correlation_id"]
    assert kustom.order(order_id)["captured_amount"] == 0


def test_kustom_failing_leaves_the_refund_pending_never_failed(emulator, kustom):
    payment, order_id = authorized(emulator, kustom, auto_capture=True)
    kustom.fail_next("refunds", 503)
    [refund] = added(add_transactions(emulator, payment, ("Refund", 500)))
    assert (refund["state"], refund.get("interactionId")) == ("Pending", None)
    assert kustom.order(order_id)["refunded_amount"] == 0


def test_a_capture_that_timed_out_is_pending_until_kustoms_push_names_it(emulator, kustom):
    payment, order_id = authorized(emulator, kustom)
    kustom.late_answers(LATE_MS, operation="captures")
    [capture] = added(add_transactions(emulator, payment, ("Charge", 1500)))
    assert (capture["state"], capture.get("interactionId")) == ("Pending", None)
    [held] = kustom.order(order_id)["captures"]  # Kustom captured it all the same

    pushed = kustom.push(order_id)["notification"]
    assert pushed["status"] == 200 and '"applied"' in pushed["body"]
    stored = emulator.get_payment(payment["id"])
    assert transactions(stored) == [
        ("Authorization", "Success", order_id, 1999),
        ("Charge", "Success", held["capture_id"], 1500),
    ]
    assert stored["transactions"][1]["id"] == capture["id"]


def test_a_push_after_the_extensions_changes_finds_them_recorded(emulator, kustom):
    payment, order_id = authorized(emulator, kustom)
    add_transactions(emulator, payment, ("Charge", 1999))
    payment = emulator.get_payment(payment["id"])
    added(add_transactions(emulator, payment, ("Refund", 999)))
    before = emulator.get_payment(payment["id"])
    pushed = kustom.push(order_id)["notification"]
    assert pushed["status"] == 200 and '"unchanged"' in pushed["body"]
    assert emulator.get_payment(payment["id"]) == before


def test_the_capture_at_checkout_is_not_counted_twice_when_the_order_is_read_back(emulator, kustom):
    payment, order_id = authorized(emulator, kustom, auto_capture=True)
    assert transactions(payment)[1] == ("Charge", "Success", order_id, 1999)
    add_transactions(emulator, payment, ("Refund", 500))
    before = emulator.get_payment(payment["id"])
    assert '"unchanged"' in kustom.push(order_id)["notification"]["body"]
    assert transactions(emulator.get_payment(payment["id"])) == transactions(before)


def test_changes_made_in_kustoms_back_office_are_added_once(emulator, kustom, stack):
    payment, order_id = authorized(emulator, kustom)
    kustom.back_office(order_id, "capture", amount=1200)
    kustom.back_office(order_id, "refund", amount=200)
    kustom.back_office(order_id, "release")
    order = kustom.order(order_id)
    stored = emulator.get_payment(payment["id"])
    assert transactions(stored) == [
        ("Authorization", "Success", order_id, 1999),
        ("Charge", "Success", order["captures"][0]["capture_id"], 1200),
        ("Refund", "Success", order["refunds"][0]["refund_id"], 200),
        ("CancelAuthorization", "Success", order_id, 799),
    ]
    assert '"unchanged"' in kustom.push(order_id)["notification"]["body"]
    assert emulator.get_payment(payment["id"]) == stored


def test_a_capture_whose_notification_never_came_is_settled_by_one_reconciliation_run(emulator, kustom, stack):
    payment, order_id = authorized(emulator, kustom)
    kustom.late_answers(LATE_MS, operation="captures")
    [capture] = added(add_transactions(emulator, payment, ("Charge", 1999)))
    assert capture["state"] == "Pending"
    [held] = kustom.order(order_id)["captures"]

    run, summary = reconcile(stack, "--provider", "kustom")
    assert run.returncode == 0, run.stdout + run.stderr
    assert summary["failed"] == 0 and summary["changed"] >= 1
    settled = emulator.get_payment(payment["id"])
    assert transactions(settled)[1] == ("Charge", "Success", held["capture_id"], 1999)
    assert last_interaction(settled)["type"] == "kustom.readBack"

    again, _ = reconcile(stack, "--provider", "kustom")
    assert again.returncode == 0, again.stdout + again.stderr
    assert emulator.get_payment(payment["id"]) == settled
