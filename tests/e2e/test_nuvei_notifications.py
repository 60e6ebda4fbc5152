"""Nuvei's sandbox sends signed DMNs to the notification service, which writes them
onto the payment stored in the commercetools emulator."""

import json
import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from sandboxes.emulator import nuvei_payment

from .conftest import PROVIDER_TIMEOUT_MS, post_dmn


def new_session(emulator) -> dict:
    return emulator.create_payment(nuvei_payment()).json()


def token(payment: dict) -> str:
    return payment["custom"]["fields"]["sessionToken"]


def test_an_approved_dmn_becomes_a_successful_authorization(emulator, nuvei):
    payment = new_session(emulator)
    sent = nuvei.dmn(token(payment), status="APPROVED")
    assert sent["notification"]["status"] == 200
    stored = emulator.get_payment(payment["id"])
    [transaction] = stored["transactions"]
    assert (transaction["type"], transaction["state"]) == ("Authorization", "Success")
    assert transaction["interactionId"] == sent["dmn"]["TransactionID"]
    assert transaction["amount"]["centAmount"] == 1999
    assert stored["paymentStatus"]["interfaceCode"] == "APPROVED"
    dmn_log = stored["interfaceInteractions"][-1]["fields"]
    assert dmn_log["type"] == "nuvei.dmn"
    assert "4****1111" not in dmn_log["request"] and "Test Shopper" not in dmn_log["request"]


def test_the_same_dmn_again_changes_nothing(emulator, nuvei, stack):
    payment = new_session(emulator)
    first = nuvei.dmn(token(payment), status="APPROVED")
    before = emulator.get_payment(payment["id"])
    again = post_dmn(stack, first["dmn"])
    assert (again.status_code, again.json()) == (200, {"status": "unchanged"})
    assert emulator.get_payment(payment["id"]) == before


def test_a_dmn_sent_as_get_is_applied(emulator, nuvei):
    payment = new_session(emulator)
    assert nuvei.dmn(token(payment), status="DECLINED", method="GET")["notification"]["status"] == 200
    [transaction] = emulator.get_payment(payment["id"])["transactions"]
    assert transaction["state"] == "Failure"


def test_a_wrong_checksum_is_refused_and_changes_nothing(emulator, nuvei, stack):
    payment = new_session(emulator)
    fields = nuvei.dmn(token(payment), status="APPROVED", deliver=False)["dmn"]
    before = emulator.get_payment(payment["id"])
    forged = post_dmn(stack, {**fields, "advanceResponseChecksum": "f" * 64})
    tampered = post_dmn(stack, {**fields, "totalAmount": "0.01"})
    assert (forged.status_code, tampered.status_code) == (401, 401)
    assert emulator.get_payment(payment["id"]) == before


def test_pending_then_approved_moves_one_transaction(emulator, nuvei):
    payment = new_session(emulator)
    nuvei.dmn(token(payment), status="PENDING", transactionId="7100001")
    assert emulator.get_payment(payment["id"])["transactions"][0]["state"] == "Pending"
    nuvei.dmn(token(payment), status="APPROVED", transactionId="7100001")
    [transaction] = emulator.get_payment(payment["id"])["transactions"]
    assert transaction["state"] == "Success"


def test_concurrent_dmns_leave_one_transaction_per_transaction_id(emulator, nuvei, stack):
    payment = new_session(emulator)
    kinds = [("Auth", "APPROVED"), ("Sale", "APPROVED"), ("Auth", "PENDING"), ("Auth", "DECLINED"), ("Sale", "PENDING")]
    distinct = [
        nuvei.dmn(token(payment), status=status, transactionType=kind, transactionId=f"72000{n}", deliver=False)["dmn"]
        for n, (kind, status) in enumerate(kinds)
    ]
    deliveries = distinct * 4
    random.Random(7).shuffle(deliveries)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda fields: post_dmn(stack, fields), deliveries))
    assert {answer.status_code for answer in answers} == {200}
    assert sorted(answer.json()["status"] for answer in answers).count("applied") == len(distinct)
    stored = emulator.get_payment(payment["id"])
    assert sorted(t["interactionId"] for t in stored["transactions"]) == sorted(d["TransactionID"] for d in distinct)
    dmn_logs = [i for i in stored["interfaceInteractions"] if i["fields"]["type"] == "nuvei.dmn"]
    assert len(dmn_logs) == len(distinct)


def test_commercetools_down_answers_503_and_the_retry_applies(emulator, nuvei, stack):
    payment = new_session(emulator)
    fields = nuvei.dmn(token(payment), status="APPROVED", deliver=False)["dmn"]
    for fault in ("unavailable", "reset"):
        emulator.fault(fault)
        assert post_dmn(stack, fields).status_code == 503
    emulator.fault("none")
    assert emulator.get_payment(payment["id"])["transactions"] == []
    retried = post_dmn(stack, fields)
    assert (retried.status_code, retried.json()) == (200, {"status": "applied"})
    assert len(emulator.get_payment(payment["id"])["transactions"]) == 1


def test_a_dmn_for_an_unknown_payment_is_a_bad_request(nuvei, stack):
    unknown = "00000000-0000-4000-8000-000000000000"
    fields = nuvei.holds({"transactionId": "7300000000000001", "clientUniqueId": unknown})
    answer = post_dmn(stack, fields)
    assert answer.status_code == 400
    assert "unknown payment" in answer.json()["message"]


def refused(stack, fields: dict) -> tuple[requests.Response, list[dict]]:
    """Posts a DMN that must be refused; its answer and the warnings it logged."""
    correlation_id = f"replay-{uuid.uuid4().hex[:12]}"
    answer = requests.post(
        f"{stack.notification_url}/notifications/nuvei",
        data=fields,
        headers={"X-Correlation-ID": correlation_id},
        timeout=30,
    )
    warnings = [
        entry
        for entry in stack.log_entries("notification")
        if entry.get("correlationId") == correlation_id and entry["level"] == "WARNING"
    ]
    return answer, warnings


def test_a_dmn_replayed_onto_another_payment_of_the_same_amount_is_refused(emulator, nuvei, stack):
    """Nuvei's checksum covers neither clientUniqueId nor transactionType: a captured
    approval fits any payment of the same amount and currency. Nuvei's read-back of
    the TransactionID names the payment it belongs to."""
    paid, other = new_session(emulator), new_session(emulator)
    fields = nuvei.dmn(token(paid), status="APPROVED")["dmn"]
    before = emulator.get_payment(other["id"])
    answer, warnings = refused(stack, {**fields, "clientUniqueId": other["id"]})
    assert answer.status_code == 400
    assert f"clientUniqueId '{other['id']}' (Nuvei: '{paid['id']}')" in answer.json()["message"]
    assert [w["message"] for w in warnings] == [f"notification refused: {answer.json()['message']}"]
    assert emulator.get_payment(other["id"]) == before


def test_a_dmn_replayed_as_another_transaction_type_is_refused(emulator, nuvei, stack):
    """An approved Auth replayed as a Sale would record a capture that never happened."""
    payment = new_session(emulator)
    fields = nuvei.dmn(token(payment), status="APPROVED")["dmn"]
    before = emulator.get_payment(payment["id"])
    answer, warnings = refused(stack, {**fields, "transactionType": "Sale"})
    assert answer.status_code == 400
    assert "transactionType 'Sale' (Nuvei: 'Auth')" in answer.json()["message"]
    assert len(warnings) == 1
    assert emulator.get_payment(payment["id"]) == before


def test_a_dmn_nuvei_cannot_confirm_now_is_a_503_and_nuvei_s_retry_applies_it(emulator, nuvei, stack):
    payment = new_session(emulator)
    fields = nuvei.dmn(token(payment), status="APPROVED", deliver=False)["dmn"]
    nuvei.outage(503)
    assert post_dmn(stack, fields).status_code == 503
    nuvei.outage(None)
    nuvei.latency(PROVIDER_TIMEOUT_MS + 300)
    assert post_dmn(stack, fields).status_code == 503
    nuvei.latency(0)
    assert emulator.get_payment(payment["id"])["transactions"] == []
    assert post_dmn(stack, fields).json() == {"status": "applied"}
    assert len(emulator.get_payment(payment["id"])["transactions"]) == 1


def test_the_auth_code_nuvei_confirmed_is_recorded_with_the_dmn(emulator, nuvei):
    """Where the capture, refund and cancel find it again (no process memory)."""
    payment = new_session(emulator)
    sent = nuvei.dmn(token(payment), status="APPROVED")["dmn"]
    [interaction] = emulator.get_payment(payment["id"])["interfaceInteractions"][-1:]
    said = json.loads(interaction["fields"]["response"])["transactions"]
    assert [(t["transactionId"], t["authCode"]) for t in said] == [(sent["TransactionID"], sent["AuthCode"])]


def test_a_settle_of_a_known_authorization_is_a_charge(emulator, nuvei):
    payment = new_session(emulator)
    auth = nuvei.dmn(token(payment), status="APPROVED")["dmn"]
    settle = nuvei.dmn(
        token(payment), status="APPROVED", transactionType="Settle", relatedTransactionId=auth["TransactionID"]
    )
    assert settle["notification"]["status"] == 200
    types = [(t["type"], t["state"]) for t in emulator.get_payment(payment["id"])["transactions"]]
    assert types == [("Authorization", "Success"), ("Charge", "Success")]
