"""The Nexway sandbox sends order notifications, with the merchant's Basic credentials,
to the notification service, which writes them onto the payment in the emulator."""

import json

import requests

from connector.providers.nexway.sandbox.app import CREDENTIALS
from tests.factories import nexway_session_request

from .nexway_support import nexway_draft

NOTIFICATION_AUTH = (CREDENTIALS["NEXWAY_NOTIFICATION_USERNAME"], CREDENTIALS["NEXWAY_NOTIFICATION_PASSWORD"])


def new_order(emulator, product_ref: str = "1001") -> dict:
    created = emulator.create_payment(nexway_draft(nexway_session_request(product_ref)))
    assert created.status_code == 201, created.text
    return created.json()


def charges(payment: dict) -> list[tuple[str, str, str]]:
    return [(t["type"], t["state"], t["interactionId"]) for t in payment["transactions"]]


def post(stack, body: dict, auth=NOTIFICATION_AUTH) -> requests.Response:
    return requests.post(f"{stack.notification_url}/notifications/nexway", json=body, auth=auth, timeout=30)


def test_a_fraud_pending_order_is_pending_until_nexway_completes_it(emulator, nexway):
    payment = new_order(emulator, "9061")
    order = payment["interfaceId"]
    assert payment["paymentStatus"]["interfaceCode"] == "FRAUD_PENDING"
    assert charges(payment) == [("Charge", "Pending", order)]
    sent = nexway.event(order, "completed")
    assert (sent["notification"]["status"], json.loads(sent["notification"]["body"])) == (200, {"status": "applied"})
    completed = emulator.get_payment(payment["id"])
    assert charges(completed) == [("Charge", "Success", order)]
    assert completed["paymentStatus"] == {"interfaceCode": "COMPLETED", "interfaceText": "completed"}
    assert completed["interfaceInteractions"][-1]["fields"]["type"] == "nexway.notification"


def test_wrong_credentials_are_refused_and_change_nothing(emulator, nexway, stack):
    payment = new_order(emulator, "9061")
    body = nexway.event(payment["interfaceId"], "completed", deliver=False)["event"]
    before = emulator.get_payment(payment["id"])
    assert post(stack, body, auth=(NOTIFICATION_AUTH[0], "guess")).status_code == 401
    assert post(stack, body, auth=None).status_code == 401
    assert emulator.get_payment(payment["id"]) == before
    assert post(stack, body).json() == {"status": "applied"}  # the same body, with the right credentials


def test_the_same_notification_again_changes_nothing(emulator, nexway, stack):
    payment = new_order(emulator, "9060")
    first = nexway.event(payment["interfaceId"], "completed")["event"]
    before = emulator.get_payment(payment["id"])
    again = post(stack, first)
    assert (again.status_code, again.json()) == (200, {"status": "unchanged"})
    assert emulator.get_payment(payment["id"]) == before


def test_a_cancelled_delivered_order_is_refunded(emulator, nexway):
    payment = new_order(emulator)
    cancelled = nexway.cancel(payment["id"])
    assert cancelled["responseCode"] == 0
    notified = nexway.follow_ups.delivered(type="canceled", partnerOrderNumber=payment["id"])
    assert [attempt["status"] for attempt in notified["attempts"]] == [200]
    refunded = emulator.get_payment(payment["id"])
    order = payment["interfaceId"]
    assert charges(refunded) == [("Charge", "Success", order), ("Refund", "Success", order)]
    assert refunded["paymentStatus"]["interfaceCode"] == "CANCELED"


def test_a_pending_order_that_nexway_cancels_fails_its_charge(emulator, nexway):
    payment = new_order(emulator, "9061")
    assert nexway.event(payment["interfaceId"], "canceled")["notification"]["status"] == 200
    assert charges(emulator.get_payment(payment["id"])) == [("Charge", "Failure", payment["interfaceId"])]


def test_a_notification_for_an_unknown_payment_is_a_bad_request(emulator, nexway, stack):
    payment = new_order(emulator)
    body = nexway.event(payment["interfaceId"], "completed", deliver=False)["event"]
    body["order"]["partnerOrderNumber"] = "00000000-0000-0000-0000-000000000000"
    answer = post(stack, body)
    assert answer.status_code == 400 and "unknown payment" in answer.json()["message"]
