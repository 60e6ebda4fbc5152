"""The Paynova sandbox sends digested event hook notifications to the notification
service, which writes them onto the payment stored in the commercetools emulator."""

import time
from urllib.parse import urlencode

import pytest
import requests

from connector.providers.paynova.sandbox.app import CREDENTIALS, sha1

from .paynova_support import paynova_payment

pytestmark = pytest.mark.usefixtures("_undo_paynova_faults")


def new_session(emulator, **draft) -> tuple[dict, str]:
    payment = emulator.create_payment(paynova_payment(**draft)).json()
    return payment, payment["custom"]["fields"]["sessionToken"]


def body_digest(fields: dict) -> str:
    return sha1(urlencode(fields).encode() + CREDENTIALS["PAYNOVA_SECRET_KEY"].encode())


def post_notification(stack, fields: dict, pn_digest: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if pn_digest is not None:
        headers["Pn-Digest"] = pn_digest
    return requests.post(
        f"{stack.notification_url}/notifications/paynova", data=urlencode(fields), headers=headers, timeout=30
    )


def answers(sent: dict) -> list[tuple[int, str]]:
    return [(attempt["status"], attempt["body"]) for attempts in sent["deliveries"] for attempt in attempts]


def test_authorized_then_completed_become_two_transactions(emulator, paynova):
    payment, session_id = new_session(emulator)
    started = time.monotonic()
    authorized = paynova.pay(session_id, "AUTHORIZED")
    elapsed = time.monotonic() - started
    completed = paynova.pay(session_id, "COMPLETED")
    assert [status for status, _ in answers(authorized) + answers(completed)] == [200, 200]
    assert elapsed < 5  # Paynova gives up on an answer after 30 s
    stored = emulator.get_payment(payment["id"])
    transactions = [
        (t["type"], t["state"], t["interactionId"], t["amount"]["centAmount"]) for t in stored["transactions"]
    ]
    assert transactions == [
        ("Authorization", "Success", authorized["notification"]["TRANSACTION_ID"], 1999),
        ("Charge", "Success", completed["notification"]["TRANSACTION_ID"], 1999),
    ]
    assert stored["paymentStatus"]["interfaceCode"] == "COMPLETED"
    logged = [i["fields"] for i in stored["interfaceInteractions"] if i["fields"]["type"] == "paynova.notification"]
    assert len(logged) == 2 and not any("DIGEST" in entry["request"] for entry in logged)


def test_the_same_notification_three_times_is_applied_once(emulator, paynova):
    payment, session_id = new_session(emulator)
    sent = paynova.pay(session_id, "AUTHORIZED", repeat=3)
    assert [(status, '"applied"' in body) for status, body in answers(sent)] == [
        (200, True),
        (200, False),
        (200, False),
    ]
    stored = emulator.get_payment(payment["id"])
    assert len(stored["transactions"]) == 1
    assert [i["fields"]["type"] for i in stored["interfaceInteractions"]].count("paynova.notification") == 1


def test_a_declined_payment_and_an_expired_session(emulator, paynova):
    payment, session_id = new_session(emulator)
    paynova.pay(session_id, "DECLINED")
    [transaction] = emulator.get_payment(payment["id"])["transactions"]
    assert (transaction["type"], transaction["state"]) == ("Authorization", "Failure")
    paynova.end_session(session_id, "EXPIRED")
    assert emulator.get_payment(payment["id"])["paymentStatus"]["interfaceCode"] == "SESSION_EXPIRED"


def test_a_pending_payment_that_completes_is_authorized_and_charged(emulator, paynova):
    payment, session_id = new_session(emulator)
    paynova.pay(session_id, "PENDING", transactionId="201405281543270574")
    paynova.pay(session_id, "COMPLETED", transactionId="201405281543270574")
    transactions = emulator.get_payment(payment["id"])["transactions"]
    assert [(t["type"], t["state"]) for t in transactions] == [("Authorization", "Success"), ("Charge", "Success")]


def test_a_wrong_digest_is_refused_and_changes_nothing(emulator, paynova, stack):
    payment, session_id = new_session(emulator)
    fields = paynova.pay(session_id, "AUTHORIZED", deliver=False)["notification"]
    before = emulator.get_payment(payment["id"])
    forged = post_notification(stack, {**fields, "DIGEST": "F" * 40})
    restamped = post_notification(stack, {**fields, "DELIVERY_TIMESTAMP": "2030-01-01 00:00:00Z"})
    # DIGEST does not cover PAYMENT_STATUS, the Pn-Digest header covers the whole body.
    body_digest_of_the_original = body_digest(fields)
    altered = post_notification(stack, {**fields, "PAYMENT_STATUS": "COMPLETED"}, body_digest_of_the_original)
    assert [forged.status_code, restamped.status_code, altered.status_code] == [401, 401, 401]
    assert emulator.get_payment(payment["id"]) == before


def test_unsigned_fields_rewritten_to_fit_another_payment_are_refused(emulator, paynova, stack):
    """Without the Pn-Digest header only DIGEST protects a notification, and it covers
    neither ORDER_NUMBER nor ORDER_ID nor AMOUNT."""
    cheap, cheap_session = new_session(emulator)
    dear, _ = new_session(emulator, cent_amount=99900)
    fields = paynova.pay(cheap_session, "AUTHORIZED", deliver=False)["notification"]
    before = emulator.get_payment(dear["id"])
    moved = post_notification(stack, {**fields, "ORDER_NUMBER": dear["id"]})
    moved_with_order = post_notification(stack, {**fields, "ORDER_NUMBER": dear["id"], "ORDER_ID": dear["interfaceId"]})
    assert (moved.status_code, moved_with_order.status_code) == (400, 400)
    assert "ORDER_ID" in moved.json()["message"] and "AMOUNT" in moved_with_order.json()["message"]
    assert emulator.get_payment(dear["id"]) == before
    assert emulator.get_payment(cheap["id"])["transactions"] == []
