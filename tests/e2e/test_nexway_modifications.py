"""A merchant refunds and cancels Nexway orders by adding Initial transactions in the
commercetools emulator; the extension cancels the order at the Nexway sandbox, whose
`canceled` notification then finds the transaction it recorded; reconciliation reads an
order back when that notification is lost."""

import time

import pytest

from tests.factories import nexway_session_request

from .conftest import PROVIDER_TIMEOUT_MS
from .modification_support import (
    call_extension,
    interactions,
    modified,
    money,
    reconcile,
    transactions,
    with_initial,
)
from .nexway_support import nexway_draft
from .retry_support import LATE_MS

COMPLETED, FRAUD_PENDING = "1001", "9061"  # the sandbox's test products


def order(emulator, product: str = COMPLETED) -> dict:
    created = emulator.create_payment(nexway_draft(nexway_session_request(product)))
    assert created.status_code == 201, created.text
    return created.json()


def status_at_nexway(nexway, payment: dict) -> str:
    [held] = nexway.orders(payment["id"])
    return held["status"]


def notified(nexway, payment: dict) -> dict:
    """The `canceled` notification that followed the cancellation, once delivered."""
    return nexway.follow_ups.delivered(type="canceled", partnerOrderNumber=payment["id"])


def refused(emulator, payment: dict, type_: str, cents: int, currency: str | None = None) -> dict:
    """The merchant's Update refused with one error, nothing stored."""
    transaction = {"type": type_, "amount": money(payment, cents, currency), "state": "Initial"}
    answer = emulator.update_payment(
        payment["id"], payment["version"], [{"action": "addTransaction", "transaction": transaction}]
    )
    assert answer.status_code == 400, answer.text
    assert emulator.get_payment(payment["id"])["version"] == payment["version"]
    [error] = answer.json()["errors"]
    return error


def test_a_capture_is_refused_as_nexway_charges_when_the_order_is_placed(emulator, nexway):
    payment = order(emulator, FRAUD_PENDING)
    error = refused(emulator, payment, "Charge", 1999)
    assert (error["code"], error["extensionExtraInfo"]) == (
        "InvalidOperation",
        {"provider": "nexway", "field": "transactions[1].amount"},
    )
    assert "Nexway charges when the order is placed" in error["message"]
    assert status_at_nexway(nexway, payment) == "FRAUD_PENDING"


def test_a_refund_of_the_whole_order(emulator, nexway):
    payment = order(emulator)
    number = payment["interfaceId"]
    refunded = modified(emulator, payment, ("Refund", 1999))
    assert transactions(refunded) == [("Charge", "Success", number, 1999), ("Refund", "Success", number, 1999)]
    [call] = interactions(refunded, "nexway.refund")
    assert call["request"] == {
        "partnerOrderNumber": payment["id"],
        "reasonCode": 2,
        "comment": f"commercetools Refund {refunded['transactions'][1]['id']}",
    }
    assert call["response"]["responseCode"] == 0
    assert status_at_nexway(nexway, payment) == "CANCELED"
    # Nexway's notification names the order: it confirms the Refund the extension recorded.
    assert '"unchanged"' in notified(nexway, payment)["attempts"][-1]["body"]
    assert transactions(emulator.get_payment(payment["id"])) == transactions(refunded)


def test_part_of_the_order_cannot_be_refunded(emulator, nexway):
    payment = order(emulator)
    error = refused(emulator, payment, "Refund", 1000)
    assert error["code"] == "InvalidOperation"
    assert "everything that is left at once: 19.99 EUR, not 10.00 EUR" in error["message"]
    assert status_at_nexway(nexway, payment) == "COMPLETED"


def test_an_order_still_waiting_is_cancelled(emulator, nexway):
    payment = order(emulator, FRAUD_PENDING)
    number = payment["interfaceId"]
    cancelled = modified(emulator, payment, ("CancelAuthorization", 1999))
    assert transactions(cancelled)[1] == ("CancelAuthorization", "Success", number, 1999)
    assert [i["request"]["reasonCode"] for i in interactions(cancelled, "nexway.cancel")] == [2]
    assert status_at_nexway(nexway, payment) == "CANCELED"
    # The notification fails the order's Charge and leaves the cancellation as recorded.
    assert '"applied"' in notified(nexway, payment)["attempts"][-1]["body"]
    assert transactions(emulator.get_payment(payment["id"])) == [
        ("Charge", "Failure", number, 1999),
        ("CancelAuthorization", "Success", number, 1999),
    ]


@pytest.mark.parametrize(("product", "type_"), [(COMPLETED, "Refund"), (FRAUD_PENDING, "CancelAuthorization")])
def test_the_same_extension_call_twice_cancels_the_order_once(emulator, nexway, stack, product, type_):
    """commercetools sends the Update again when it lost the extension's answer: the
    second cancellation is refused (1071), the order read back is CANCELED, and that is
    the Success of the one cancellation."""
    payment = order(emulator, product)
    update = with_initial(payment, type_, 1999)
    first, again = call_extension(stack, update), call_extension(stack, update)

    def outcome(answer) -> list[dict]:
        return [a for a in answer.json()["actions"] if a["action"] != "addInterfaceInteraction"]

    assert outcome(again) == outcome(first)
    assert [a["state"] for a in outcome(first) if a["action"] == "changeTransactionState"] == ["Success"]
    [logged] = [a["fields"]["response"] for a in again.json()["actions"] if a["action"] == "addInterfaceInteraction"]
    assert '"responseCode":1071' in logged and '"status":"CANCELED"' in logged
    notified(nexway, payment)  # exactly one notification: one cancellation


@pytest.mark.parametrize(
    ("product", "type_", "cents", "currency", "message"),
    [
        (FRAUD_PENDING, "Refund", 1999, None, "refund of 19.99 EUR exceeds the 0.00 EUR captured and not refunded"),
        (COMPLETED, "CancelAuthorization", 1999, None, "cancellation of 19.99 EUR exceeds the 0.00 EUR"),
        (COMPLETED, "Refund", 0, None, "must be greater than 0"),
        (COMPLETED, "Refund", 1999, "USD", "is in USD"),
        (COMPLETED, "Refund", 2000, None, "refund of 20.00 EUR exceeds the 19.99 EUR"),
    ],
)
def test_each_amount_rule_is_refused_before_any_call(emulator, nexway, product, type_, cents, currency, message):
    payment = order(emulator, product)
    before = status_at_nexway(nexway, payment)
    error = refused(emulator, payment, type_, cents, currency)
    assert (error["code"], error["extensionExtraInfo"]["field"]) == ("InvalidInput", "transactions[1].amount")
    assert message in error["message"]
    assert status_at_nexway(nexway, payment) == before
    assert nexway.follow_ups.about(partnerOrderNumber=payment["id"]) == []


def test_a_refused_refund_is_a_failure_with_nexway_s_code(emulator, nexway):
    payment = order(emulator)
    nexway.refuse_next_cancellation(1072)
    declined = modified(emulator, payment, ("Refund", 1999))
    assert transactions(declined)[1][:3] == ("Refund", "Failure", None)
    [call] = interactions(declined, "nexway.refund")
    assert call["response"] == {
        "code": "1072",
        "message": "Order cannot be cancelled",
        "responseCode": 1072,
        "orderStatus": "COMPLETED",
    }
    assert status_at_nexway(nexway, payment) == "COMPLETED"


@pytest.mark.parametrize(
    ("product", "type_", "charge"),
    [(COMPLETED, "Refund", "Success"), (FRAUD_PENDING, "CancelAuthorization", "Failure")],
)
def test_no_answer_in_time_is_pending_until_nexway_s_notification(emulator, nexway, product, type_, charge):
    payment = order(emulator, product)
    nexway.late_answers(LATE_MS, operation="cancelOrder")
    started = time.monotonic()
    pending = modified(emulator, payment, (type_, 1999))
    assert time.monotonic() - started < PROVIDER_TIMEOUT_MS / 1000 + 0.5
    assert transactions(pending)[1][:3] == (type_, "Pending", None)
    assert '"applied"' in notified(nexway, payment)["attempts"][-1]["body"]
    assert transactions(emulator.get_payment(payment["id"])) == [
        ("Charge", charge, payment["interfaceId"], 1999),
        (type_, "Success", payment["interfaceId"], 1999),
    ]


def test_a_lost_notification_is_settled_by_one_reconciliation_and_left_alone_by_the_next(emulator, nexway, stack):
    payment = order(emulator)
    nexway.late_answers(LATE_MS, operation="cancelOrder")
    nexway.follow_ups.configure(drop=1)
    pending = modified(emulator, payment, ("Refund", 1999))
    assert transactions(pending)[1][:3] == ("Refund", "Pending", None)
    assert notified(nexway, payment)["state"] == "dropped"
    run, summary = reconcile(stack, "--provider", "nexway")
    assert run.returncode == 0, run.stdout + run.stderr
    settled = emulator.get_payment(payment["id"])
    assert transactions(settled) == [
        ("Charge", "Success", payment["interfaceId"], 1999),
        ("Refund", "Success", payment["interfaceId"], 1999),
    ]
    assert [i["request"]["order"]["status"] for i in interactions(settled, "nexway.getOrder")] == ["CANCELED"]
    assert summary["changed"] >= 1
    again, second = reconcile(stack, "--provider", "nexway")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (second["changed"], second["failed"]) == (0, 0)
    assert emulator.get_payment(payment["id"])["version"] == settled["version"]
