"""A merchant captures, refunds and cancels Nuvei payments by adding Initial transactions:
the platform shim calls the extension, which calls the Nuvei sandbox's settle, refund
and void; the sandbox's follow-up DMNs come back through the notification service."""

import json
import uuid

import pytest

from .modification_support import call_extension
from .nuvei_support import authorized, dmns_done, eventually, interactions, modify, of_type, reconcile, summary
from .retry_support import LATE_MS


def test_a_partial_then_the_full_capture_settle_the_auth_with_its_auth_code(emulator, nuvei):
    payment, auth = authorized(emulator, nuvei)
    first = modify(emulator, payment, ("Charge", 1000))
    assert first.status_code == 200, first.text
    [charge] = of_type(first.json(), "Charge")
    [settle] = nuvei.transactions(payment["id"], transactionType="Settle")
    assert (charge["state"], charge["interactionId"]) == ("Success", settle["transactionId"])
    assert (settle["amount"], settle["relatedTransactionId"], settle["clientRequestId"]) == (
        "10.00",
        auth["TransactionID"],
        charge["id"],
    )
    [logged] = interactions(first.json(), "nuvei.settle")
    request = json.loads(logged["request"])
    assert (request["authCode"], request["clientUniqueId"]) == (auth["AuthCode"], payment["id"])
    assert json.loads(logged["response"])["transactionStatus"] == "APPROVED"

    dmns_done(nuvei, payment["id"], 1)  # the Settle DMN matched the recorded charge: nothing to change
    rest = modify(emulator, emulator.get_payment(payment["id"]), ("Charge", 999))
    assert [t["state"] for t in of_type(rest.json(), "Charge")] == ["Success", "Success"]
    assert [s["amount"] for s in nuvei.transactions(payment["id"], transactionType="Settle")] == ["10.00", "9.99"]
    dmns_done(nuvei, payment["id"], 2)
    assert len(emulator.get_payment(payment["id"])["transactions"]) == 3  # no DMN added a transaction


def test_several_refunds_give_back_what_was_captured(emulator, nuvei):
    payment, _ = authorized(emulator, nuvei)
    captured = modify(emulator, payment, ("Charge", 1999)).json()
    [charge] = of_type(captured, "Charge")
    dmns_done(nuvei, payment["id"], 1)
    refunded = modify(emulator, emulator.get_payment(payment["id"]), ("Refund", 500), ("Refund", 1499))
    assert refunded.status_code == 200, refunded.text
    refunds = of_type(refunded.json(), "Refund")
    credits = nuvei.transactions(payment["id"], transactionType="Credit")
    assert [(t["state"], t["interactionId"]) for t in refunds] == [("Success", c["transactionId"]) for c in credits]
    assert [(c["amount"], c["relatedTransactionId"]) for c in credits] == [
        ("5.00", charge["interactionId"]),
        ("14.99", charge["interactionId"]),
    ]
    dmns_done(nuvei, payment["id"], 3)
    assert len(emulator.get_payment(payment["id"])["transactions"]) == 4


def test_a_cancellation_voids_part_of_the_auth(emulator, nuvei):
    payment, auth = authorized(emulator, nuvei, cent_amount=1500, currency="KWD")
    cancelled = modify(emulator, payment, ("CancelAuthorization", 500, "KWD"))
    assert cancelled.status_code == 200, cancelled.text
    [cancel] = of_type(cancelled.json(), "CancelAuthorization")
    [void] = nuvei.transactions(payment["id"], transactionType="Void")
    assert (cancel["state"], cancel["interactionId"]) == ("Success", void["transactionId"])
    assert (void["amount"], void["currency"], void["relatedTransactionId"]) == ("0.500", "KWD", auth["TransactionID"])


def test_the_same_update_sent_again_moves_no_money_and_answers_the_first_outcome(emulator, nuvei, stack):
    """commercetools calling the extension again with the same Update (its first answer
    lost): Nuvei refuses the repeated clientRequestId, the connector reads the first
    settle back and answers it again."""
    payment, _ = authorized(emulator, nuvei)
    charge = {
        "id": str(uuid.uuid4()),
        "type": "Charge",
        "amount": {"type": "centPrecision", "currencyCode": "EUR", "centAmount": 1000, "fractionDigits": 2},
        "state": "Initial",
    }
    update = {**payment, "transactions": [*payment["transactions"], charge]}
    nuvei.control("lose-notifications", count=1)  # commercetools stored nothing the DMN could match
    first, again = call_extension(stack, update), call_extension(stack, update)
    assert first.status_code == again.status_code == 200
    [settle] = nuvei.transactions(payment["id"], transactionType="Settle")
    for answer in (first, again):
        changes = {a["action"]: a for a in answer.json()["actions"] if a.get("transactionId") == charge["id"]}
        assert changes["changeTransactionState"]["state"] == "Success"
        assert changes["changeTransactionInteractionId"]["interactionId"] == settle["transactionId"]
    repeat = json.loads(
        next(a for a in again.json()["actions"] if a["action"] == "addInterfaceInteraction")["fields"]["response"]
    )
    assert repeat["repeat"]["errCode"] == 1069
    assert emulator.get_payment(payment["id"]) == payment


@pytest.mark.parametrize(
    ("before", "asked", "code", "message"),
    [
        ((), ("Charge", 2000), "InvalidInput", "capture of 20.00 EUR exceeds the 19.99 EUR still authorized"),
        ((), ("Refund", 100), "InvalidInput", "refund of 1.00 EUR exceeds the 0.00 EUR captured and not refunded"),
        ((("Charge", 1999),), ("CancelAuthorization", 1), "InvalidInput", "exceeds the 0.00 EUR authorized and not captured"),
        ((), ("Charge", 0), "InvalidInput", "must be greater than 0"),
        ((), ("Charge", 100, "USD"), "InvalidInput", "is in USD, the payment in EUR"),
        ((("Charge", 1000), ("Charge", 999)), ("Refund", 1500), "InvalidOperation", "nuvei refunds one capture at a time"),
    ],
)  # fmt: skip
def test_amounts_beyond_what_the_payment_holds_are_refused_before_any_call(
    emulator, nuvei, before, asked, code, message
):
    payment, _ = authorized(emulator, nuvei)
    for n, done in enumerate(before, start=1):
        assert modify(emulator, emulator.get_payment(payment["id"]), done).status_code == 200
        dmns_done(nuvei, payment["id"], n)
    payment = emulator.get_payment(payment["id"])
    held = nuvei.transactions(payment["id"])
    answer = modify(emulator, payment, asked)
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["code"] == code and message in error["message"]
    assert nuvei.transactions(payment["id"]) == held  # Nuvei was not called
    assert emulator.get_payment(payment["id"]) == payment


def test_a_declined_capture_is_a_failure_with_nuvei_s_reason(emulator, nuvei):
    payment, _ = authorized(emulator, nuvei)
    nuvei.control("declines", status="DECLINED", operation="settle")
    answer = modify(emulator, payment, ("Charge", 1000))
    assert answer.status_code == 200  # the merchant's Update records the attempt
    [charge] = of_type(answer.json(), "Charge")
    [settle] = nuvei.transactions(payment["id"], transactionType="Settle")
    assert (charge["state"], charge["interactionId"]) == ("Failure", settle["transactionId"])
    assert json.loads(interactions(answer.json(), "nuvei.settle")[0]["response"])["gwErrorReason"] == "Decline"


def test_after_a_partial_capture_a_void_releases_what_is_left(emulator, nuvei):
    payment, _ = authorized(emulator, nuvei)
    modify(emulator, payment, ("Charge", 1000))
    dmns_done(nuvei, payment["id"], 1)
    answer = modify(emulator, emulator.get_payment(payment["id"]), ("CancelAuthorization", 999))
    [cancel] = of_type(answer.json(), "CancelAuthorization")
    assert cancel["state"] == "Success"
    [void] = nuvei.transactions(payment["id"], transactionType="Void")
    assert (void["transactionStatus"], void["amount"], cancel["interactionId"]) == (
        "APPROVED",
        "9.99",
        void["transactionId"],
    )


def test_a_void_nuvei_refuses_is_a_failure_with_its_reason(emulator, nuvei):
    payment, _ = authorized(emulator, nuvei)
    nuvei.control("declines", status="ERROR", operation="void")
    answer = modify(emulator, payment, ("CancelAuthorization", 1999))
    [cancel] = of_type(answer.json(), "CancelAuthorization")
    assert cancel["state"] == "Failure"
    response = json.loads(interactions(answer.json(), "nuvei.void")[0]["response"])
    assert response["transactionStatus"] == "ERROR" and response["gwErrorReason"]


def test_a_capture_without_an_answer_in_time_is_pending_then_settled_by_nuvei_s_dmn(emulator, nuvei):
    payment, _ = authorized(emulator, nuvei)
    nuvei.late_answers(LATE_MS, operation="settle")
    answer = modify(emulator, payment, ("Charge", 1000))
    assert answer.status_code == 200
    [charge] = of_type(answer.json(), "Charge")
    assert charge["state"] == "Pending" and "interactionId" not in charge
    assert "timed out" in interactions(answer.json(), "nuvei.settle")[0]["response"]

    def settled() -> dict | None:
        stored = emulator.get_payment(payment["id"])
        return stored if of_type(stored, "Charge")[0]["state"] == "Success" else None

    stored = eventually(settled, seconds=LATE_MS / 1000 + 5, what="the Settle DMN")
    [settle] = nuvei.transactions(payment["id"], transactionType="Settle")
    [charge] = of_type(stored, "Charge")  # the recorded one, not a second
    assert charge["interactionId"] == settle["transactionId"]
    assert len(interactions(stored, "nuvei.dmn")) == 2  # the Auth's and the Settle's


def test_a_pending_capture_is_confirmed_by_the_dmn_on_the_transaction_recorded(emulator, nuvei):
    payment, _ = authorized(emulator, nuvei)
    nuvei.control("declines", status="PENDING", operation="settle")
    [charge] = of_type(modify(emulator, payment, ("Charge", 1000)).json(), "Charge")
    assert charge["state"] == "Pending" and charge["interactionId"]
    dmns_done(nuvei, payment["id"], 1)  # the PENDING DMN changes nothing
    nuvei.control(f"transactions/{charge['interactionId']}/status", status="APPROVED")
    dmns_done(nuvei, payment["id"], 2)
    stored = emulator.get_payment(payment["id"])
    assert [(t["id"], t["state"]) for t in of_type(stored, "Charge")] == [(charge["id"], "Success")]


def test_a_capture_whose_answer_and_dmn_were_lost_is_settled_by_one_reconciliation_run(emulator, nuvei, stack):
    payment, _ = authorized(emulator, nuvei)
    nuvei.late_answers(LATE_MS, operation="settle")
    nuvei.control("lose-notifications", count=1)
    [charge] = of_type(modify(emulator, payment, ("Charge", 1000)).json(), "Charge")
    assert charge["state"] == "Pending"
    eventually(lambda: nuvei.notifications(payment["id"]), seconds=LATE_MS / 1000 + 2, what="the sandbox's answer")

    first = reconcile(stack)
    assert first.returncode == 0, first.stdout + first.stderr
    stored = emulator.get_payment(payment["id"])
    [settle] = nuvei.transactions(payment["id"], transactionType="Settle")
    assert [(t["id"], t["state"], t.get("interactionId")) for t in of_type(stored, "Charge")] == [
        (charge["id"], "Success", settle["transactionId"])
    ]
    [read_back] = interactions(stored, "nuvei.getTransactionDetails")
    assert settle["transactionId"] in read_back["response"]

    second = reconcile(stack)
    assert second.returncode == 0, second.stdout + second.stderr
    assert summary(second.stdout)["failed"] == 0
    assert emulator.get_payment(payment["id"]) == stored
