"""A merchant captures, refunds and cancels Paynova payments by adding Initial
transactions in the commercetools emulator; the extension finalizes, refunds and annuls
at the Paynova sandbox, whose PAYMENT events then find the transactions it recorded."""

import time

import pytest

from .conftest import PROVIDER_TIMEOUT_MS

# The shared steps, the same list as Nexway's modification tests import; the tests are Paynova's.
from .modification_support import (
    add_transactions,
    call_extension,
    interactions,
    modified,
    money,
    reconcile,
    transactions,
    with_initial,
)
from .paynova_support import paynova_payment
from .retry_support import LATE_MS

pytestmark = pytest.mark.usefixtures("_undo_paynova_faults")


def authorized(emulator, paynova, cents: int = 1999) -> tuple[dict, str]:
    """A payment Paynova authorized (its event applied): the payment, and the
    authorization's TRANSACTION_ID."""
    created = emulator.create_payment(paynova_payment(cents))
    assert created.status_code == 201, created.text
    sent = paynova.pay(created.json()["custom"]["fields"]["sessionToken"], "AUTHORIZED")
    payment = emulator.get_payment(created.json()["id"])
    assert [t[:2] for t in transactions(payment)] == [("Authorization", "Success")]
    return payment, sent["notification"]["TRANSACTION_ID"]


def last(payment: dict) -> tuple:
    return transactions(payment)[-1]


def confirmed(paynova, payment_id: str, status: str, transaction_id: str) -> str:
    """The answer of the notification service to Paynova's follow-up event."""
    follow_up = paynova.follow_ups.delivered(
        ORDER_NUMBER=payment_id, PAYMENT_STATUS=status, TRANSACTION_ID=transaction_id
    )
    assert follow_up["state"] == "done"
    return follow_up["attempts"][-1]["body"]


def test_a_partial_capture_then_the_rest(emulator, paynova):
    payment, authorization = authorized(emulator, paynova)
    captured = modified(emulator, payment, ("Charge", 1000))
    charge = captured["transactions"][-1]
    (_, state, finalize_id, cents) = last(captured)
    assert (state, cents) == ("Success", 1000)
    [call] = interactions(captured, "paynova.finalize")
    assert call["request"] == {
        "orderId": payment["interfaceId"],
        "transactionId": authorization,
        "totalAmount": "10.00",
        "invoiceId": charge["id"],
    }
    assert call["response"]["transactionId"] == finalize_id
    rest = modified(emulator, captured, ("Charge", 999))
    held = paynova.transactions(payment["interfaceId"])
    assert held[authorization]["finalized"] == "19.99"
    assert held[finalize_id]["amount"] == "10.00"
    # Paynova's COMPLETED events name the finalizes the extension recorded: nothing changes.
    assert '"unchanged"' in confirmed(paynova, payment["id"], "COMPLETED", finalize_id)
    assert '"unchanged"' in confirmed(paynova, payment["id"], "COMPLETED", last(rest)[2])
    final = emulator.get_payment(payment["id"])
    assert [t[:2] + t[3:] for t in transactions(final)] == [
        ("Authorization", "Success", 1999),
        ("Charge", "Success", 1000),
        ("Charge", "Success", 999),
    ]
    assert len(final["interfaceInteractions"]) == len(rest["interfaceInteractions"])


def test_refunds_of_a_capture(emulator, paynova):
    payment, _ = authorized(emulator, paynova)
    captured = modified(emulator, payment, ("Charge", 1999))
    finalize_id = last(captured)[2]
    refunded = modified(emulator, captured, ("Refund", 500), ("Refund", 1499))
    refunds = [t for t in transactions(refunded) if t[0] == "Refund"]
    assert [(state, cents) for _, state, _, cents in refunds] == [("Success", 500), ("Success", 1499)]
    held = paynova.transactions(payment["interfaceId"])
    assert held[finalize_id]["refunded"] == "19.99"
    assert {held[interaction_id]["amount"] for _, _, interaction_id, _ in refunds} == {"5.00", "14.99"}
    assert [i["request"]["transactionId"] for i in interactions(refunded, "paynova.refund")] == [finalize_id] * 2


def test_the_rest_is_cancelled_after_a_capture_in_the_same_update(emulator, paynova):
    payment, authorization = authorized(emulator, paynova)
    done = modified(emulator, payment, ("Charge", 1000), ("CancelAuthorization", 999))
    assert [t[:3] for t in transactions(done)[1:]] == [
        ("Charge", "Success", transactions(done)[1][2]),
        ("CancelAuthorization", "Success", payment["interfaceId"]),  # an annulment has no id of its own
    ]
    assert paynova.transactions(payment["interfaceId"])[authorization]["annulled"] == "9.99"
    assert '"unchanged"' in confirmed(paynova, payment["id"], "CANCELLED", authorization)
    assert len(emulator.get_payment(payment["id"])["transactions"]) == 3


def test_part_of_what_is_left_cannot_be_cancelled(emulator, paynova):
    payment, authorization = authorized(emulator, paynova)
    refused = add_transactions(emulator, payment, ("CancelAuthorization", 500))
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["code"] == "InvalidOperation"
    assert "everything that is left at once: 19.99 EUR, not 5.00 EUR" in error["message"]
    assert paynova.transactions(payment["interfaceId"])[authorization]["annulled"] == "0"


@pytest.mark.parametrize(("transaction", "cents"), [("Charge", 1000), ("Refund", 500), ("CancelAuthorization", 1999)])
def test_the_same_extension_call_twice_moves_the_money_once(emulator, paynova, stack, transaction, cents):
    """commercetools sends the Update again when it lost the extension's answer."""
    payment, authorization = authorized(emulator, paynova)
    if transaction == "Refund":
        payment = modified(emulator, payment, ("Charge", 1999))
    update = with_initial(payment, transaction, cents)
    first, again = call_extension(stack, update), call_extension(stack, update)
    assert (first.status_code, again.status_code) == (200, 200)

    def outcome(answer) -> list[dict]:
        return [a for a in answer.json()["actions"] if a["action"] != "addInterfaceInteraction"]

    assert outcome(again) == outcome(first)
    assert [a["state"] for a in outcome(first) if a["action"] == "changeTransactionState"] == ["Success"]
    held = paynova.transactions(payment["interfaceId"])
    if transaction == "Charge":
        assert held[authorization]["finalized"] == "10.00"
    elif transaction == "Refund":
        assert held[last(payment)[2]]["refunded"] == "5.00"
    else:  # annul takes no invoiceId: the retry gets "already annulled", which is done
        assert held[authorization]["annulled"] == "19.99"
        [response] = [a for a in again.json()["actions"] if a["action"] == "addInterfaceInteraction"]
        assert "ALREADY_ANNULLED" in response["fields"]["response"]


@pytest.mark.parametrize(
    ("before", "asked", "message"),
    [
        ([], {"type": "Charge", "cents": 2000}, "capture of 20.00 EUR exceeds the 19.99 EUR"),
        ([], {"type": "Refund", "cents": 100}, "refund of 1.00 EUR exceeds the 0.00 EUR"),
        ([("Charge", 1999)], {"type": "CancelAuthorization", "cents": 1}, "exceeds the 0.00 EUR"),
        ([], {"type": "Charge", "cents": 0}, "must be greater than 0"),
        ([], {"type": "Charge", "cents": 100, "currency": "SEK"}, "is in SEK"),
    ],
)
def test_each_amount_rule_is_refused_before_any_call(emulator, paynova, before, asked, message):
    payment, _ = authorized(emulator, paynova)
    if before:
        payment = modified(emulator, payment, *before)
    held = paynova.transactions(payment["interfaceId"])
    transaction = {
        "type": asked["type"],
        "amount": money(payment, asked["cents"], asked.get("currency")),
        "state": "Initial",
    }
    refused = emulator.update_payment(
        payment["id"], payment["version"], [{"action": "addTransaction", "transaction": transaction}]
    )
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert (error["code"], error["extensionExtraInfo"]["field"]) == (
        "InvalidInput",
        f"transactions[{len(payment['transactions'])}].amount",
    )
    assert message in error["message"]
    assert paynova.transactions(payment["interfaceId"]) == held
    assert emulator.get_payment(payment["id"])["version"] == payment["version"]


def test_a_declined_capture_is_a_failure_with_paynova_s_reason(emulator, paynova):
    payment, authorization = authorized(emulator, paynova)
    paynova.refuse_next("finalize", 3100, "DECLINED", "The acquirer declined the finalization.")
    declined = modified(emulator, payment, ("Charge", 1999))
    assert last(declined)[:3] == ("Charge", "Failure", None)
    [call] = interactions(declined, "paynova.finalize")
    assert call["response"] == {
        "code": "3100",
        "message": "The acquirer declined the finalization.",
        "errorNumber": 3100,
        "statusKey": "DECLINED",
        "errors": [],
    }
    assert paynova.transactions(payment["interfaceId"])[authorization]["finalized"] == "0"
    retried = modified(emulator, declined, ("Charge", 1999))  # the merchant tries again
    assert last(retried)[1] == "Success"


@pytest.mark.parametrize(("transaction", "status"), [("Charge", "COMPLETED"), ("CancelAuthorization", "CANCELLED")])
def test_no_answer_in_time_is_pending_until_paynova_s_event(emulator, paynova, transaction, status):
    payment, authorization = authorized(emulator, paynova)
    paynova.late_answers(LATE_MS, "finalize" if transaction == "Charge" else "annul")
    started = time.monotonic()
    pending = modified(emulator, payment, (transaction, 1999))
    assert time.monotonic() - started < PROVIDER_TIMEOUT_MS / 1000 + 0.5
    assert last(pending)[:3] == (transaction, "Pending", None)
    event_id = paynova.follow_ups.delivered(ORDER_NUMBER=payment["id"], PAYMENT_STATUS=status)["about"][
        "TRANSACTION_ID"
    ]
    settled = emulator.get_payment(payment["id"])
    recorded_id = event_id if transaction == "Charge" else payment["interfaceId"]
    assert [t[:3] for t in transactions(settled)] == [
        ("Authorization", "Success", authorization),
        (transaction, "Success", recorded_id),
    ]


def test_a_refund_without_an_answer_stays_pending_as_paynova_can_be_asked_nothing(emulator, paynova, stack):
    """Paynova sends no event for a refund and has no API to read one back."""
    payment, _ = authorized(emulator, paynova)
    captured = modified(emulator, payment, ("Charge", 1999))
    paynova.late_answers(LATE_MS, "refund")
    pending = modified(emulator, captured, ("Refund", 1999))
    assert last(pending)[:3] == ("Refund", "Pending", None)
    run, summary = reconcile(stack, "--provider", "paynova")
    assert run.returncode == 1
    assert "paynova offers no way to read a payment back" in run.stdout + run.stderr
    assert summary["seen"] == 0
    assert emulator.get_payment(payment["id"])["version"] == pending["version"]
