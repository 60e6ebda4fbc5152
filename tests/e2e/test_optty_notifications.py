"""The Optty sandbox completes orders and sends its (unsigned) webhooks to the
notification service, which reads each order back from Optty before writing it onto
the payment in the commercetools emulator."""

import pytest

from .conftest import PROVIDER_TIMEOUT_MS
from .optty_flow import new_payment, post_webhook


def kinds(payment: dict) -> list[tuple[str, str]]:
    return [(t["type"], t["state"]) for t in payment["transactions"]]


def test_a_completed_order_becomes_a_successful_authorization(emulator, optty):
    payment = new_payment(emulator, autoCapture=False)
    completed = optty.complete(payment["id"], "SUCCESSFUL")
    assert completed["notification"]["status"] == 200
    stored = emulator.get_payment(payment["id"])
    assert kinds(stored) == [("Authorization", "Success")]
    assert stored["transactions"][0]["interactionId"] == completed["order"]["transactionReference"]
    assert stored["paymentStatus"]["interfaceCode"] == "SUCCESSFUL"
    webhook_log = stored["interfaceInteractions"][-1]["fields"]
    assert webhook_log["type"] == "optty.webhook"
    assert '"status":"SUCCESSFUL"' in webhook_log["response"]  # what Optty answered, logged too


def test_with_auto_capture_a_completed_order_is_charged_too(emulator, optty):
    payment = new_payment(emulator)  # autoCapture: Optty's default, true
    optty.complete(payment["id"], "SUCCESSFUL")
    assert kinds(emulator.get_payment(payment["id"])) == [("Authorization", "Success"), ("Charge", "Success")]


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ("DECLINED", "Declined by the BNPL provider"),
        ("ERROR", "The BNPL provider failed"),
        ("CANCELLED", "cancelled by CUSTOMER"),
        ("CANCELED", "cancelled by CUSTOMER"),
    ],
)
def test_declined_failed_and_cancelled_orders_fail_the_authorization(emulator, optty, status, text):
    payment = new_payment(emulator)
    optty.complete(payment["id"], status)
    stored = emulator.get_payment(payment["id"])
    assert kinds(stored) == [("Authorization", "Failure")]
    assert stored["paymentStatus"] == {"interfaceCode": status, "interfaceText": text}


def test_a_forged_webhook_for_a_pending_order_changes_nothing(emulator, optty, stack):
    payment = new_payment(emulator)
    before = emulator.get_payment(payment["id"])
    forged = {
        "event": "ORDER_ASYNC_CALLBACK",
        "data": {"orderReference": payment["id"], "status": "SUCCESSFUL", "transactionId": "forged"},
    }
    answer = post_webhook(stack, forged)
    assert (answer.status_code, answer.json()) == (200, {"status": "unchanged"})
    assert emulator.get_payment(payment["id"]) == before


def test_the_same_webhook_again_changes_nothing(emulator, optty, stack):
    payment = new_payment(emulator)
    completed = optty.complete(payment["id"], "SUCCESSFUL")
    before = emulator.get_payment(payment["id"])
    for event in ("ORDER_ASYNC_CALLBACK", "ORDER_STATUS_UPDATE"):
        again = post_webhook(stack, {**completed["webhook"], "event": event})
        assert (again.status_code, again.json()) == (200, {"status": "unchanged"})
    assert emulator.get_payment(payment["id"]) == before


def test_a_webhook_for_an_order_optty_does_not_know_is_a_bad_request(emulator, optty, stack):
    unknown = {
        "event": "ORDER_ASYNC_CALLBACK",
        "data": {"orderReference": "00000000-0000-0000-0000-000000000000", "status": "SUCCESSFUL"},
    }
    answer = post_webhook(stack, unknown)
    assert answer.status_code == 400
    assert "no order" in answer.json()["message"]
    assert post_webhook(stack, {"event": "ORDER_ASYNC_CALLBACK"}).status_code == 400


def test_optty_unreachable_answers_503_and_the_retry_applies(emulator, optty, stack):
    payment = new_payment(emulator)
    webhook = optty.complete(payment["id"], "DECLINED", deliver=False)["webhook"]
    optty.latency(PROVIDER_TIMEOUT_MS + 500)
    assert post_webhook(stack, webhook).status_code == 503
    optty.latency(0)
    assert kinds(emulator.get_payment(payment["id"])) == [("Authorization", "Pending")]
    retried = post_webhook(stack, webhook)
    assert (retried.status_code, retried.json()) == (200, {"status": "applied"})
    assert kinds(emulator.get_payment(payment["id"])) == [("Authorization", "Failure")]


def test_revoked_tokens_are_replaced_transparently(emulator, optty):
    """Tokens stop working before their expires_in (as after a key rotation): both
    services notice the 401, fetch a new token once, and go on."""
    new_payment(emulator)  # the services hold tokens now
    optty.revoke_tokens()
    before = optty.tokens()
    # gunicorn runs two workers per service, each with its own token: create payments
    # until one reaches a worker holding a revoked token.
    payments = []
    while optty.tokens()["refused"] == before["refused"] and len(payments) < 10:
        payments.append(new_payment(emulator, autoCapture=False))
    assert optty.tokens()["refused"] > before["refused"]
    for payment in payments:
        assert optty.complete(payment["id"], "SUCCESSFUL")["notification"]["status"] == 200
        assert kinds(emulator.get_payment(payment["id"])) == [("Authorization", "Success")]
    assert optty.tokens()["issued"] > before["issued"]
