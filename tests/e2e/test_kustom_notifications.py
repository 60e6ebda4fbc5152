"""The Kustom sandbox decides pending orders and pushes; the notification service reads
each order back from the sandbox, writes it onto the payment in the commercetools
emulator, and acknowledges it."""

import uuid

import requests

from connector.providers.kustom.sandbox.app import CREDENTIALS
from sandboxes.emulator import nuvei_payment
from tests.connector.providers.kustom.factories import BASKET_TAX, BASKET_TOTAL, CONFIRMATION_URL, basket_lines

from .conftest import PROVIDER_TIMEOUT_MS
from .kustom_sandbox import kustom_payment
from .retry_support import LATE_MS


def charged(emulator, kustom, **token_options) -> tuple[dict, dict]:
    """A payment charged at Kustom, and its order there."""
    payment = emulator.create_payment(kustom_payment(kustom.token(**token_options))).json()
    [order] = kustom.orders(payment["id"])
    return payment, order


def acknowledgements(kustom, order: dict) -> int:
    return next(o for o in kustom.orders(order["merchant_reference1"]) if o["order_id"] == order["order_id"])[
        "acknowledgements"
    ]


def post(stack, order_id: str, **body) -> requests.Response:
    return requests.post(
        f"{stack.notification_url}/notifications/kustom", params={"order_id": order_id}, timeout=30, **body
    )


def test_a_pending_charge_is_authorized_once_kustom_accepts_it(emulator, kustom):
    payment, order = charged(emulator, kustom, fraud_status="PENDING")
    [pending] = payment["transactions"]
    assert (pending["type"], pending["state"]) == ("Authorization", "Pending")

    sent = kustom.decide(order["order_id"], "FRAUD_RISK_ACCEPTED")
    assert sent["notification"]["status"] == 200
    stored = emulator.get_payment(payment["id"])
    [authorization] = stored["transactions"]
    assert (authorization["id"], authorization["state"]) == (pending["id"], "Success")
    assert (stored["paymentStatus"]["interfaceCode"], stored["paymentStatus"]["interfaceText"]) == (
        "ACCEPTED",
        "AUTHORIZED",
    )
    assert stored["interfaceInteractions"][-1]["fields"]["type"] == "kustom.fraud_decision"
    assert acknowledgements(kustom, order) == 1


def test_a_rejected_pending_charge_fails(emulator, kustom):
    payment, order = charged(emulator, kustom, fraud_status="PENDING")
    assert kustom.decide(order["order_id"], "FRAUD_RISK_REJECTED")["notification"]["status"] == 200
    [authorization] = emulator.get_payment(payment["id"])["transactions"]
    assert authorization["state"] == "Failure"
    assert acknowledgements(kustom, order) == 1


def test_an_accepted_auto_capture_order_adds_the_charge(emulator, kustom):
    payment = emulator.create_payment(kustom_payment(kustom.token(fraud_status="PENDING"), auto_capture=True)).json()
    [order] = kustom.orders(payment["id"])
    kustom.decide(order["order_id"], "FRAUD_RISK_ACCEPTED")
    transactions = emulator.get_payment(payment["id"])["transactions"]
    assert [(t["type"], t["state"], t["amount"]["centAmount"]) for t in transactions] == [
        ("Authorization", "Success", 1999),
        ("Charge", "Success", 1999),
    ]


def test_repeats_change_nothing_but_are_acknowledged(emulator, kustom, stack):
    payment, order = charged(emulator, kustom, fraud_status="PENDING")
    kustom.decide(order["order_id"], "FRAUD_RISK_ACCEPTED")
    before = emulator.get_payment(payment["id"])
    decision = {"order_id": order["order_id"], "event_type": "FRAUD_RISK_ACCEPTED"}
    again = post(stack, order["order_id"], json=decision)
    pushed = kustom.push(order["order_id"])["notification"]
    assert (again.status_code, again.json()) == (200, {"status": "unchanged"})
    assert pushed["status"] == 200 and '"unchanged"' in pushed["body"]
    assert emulator.get_payment(payment["id"]) == before
    assert acknowledgements(kustom, order) == 3


def test_a_push_for_an_order_that_is_not_ours_is_refused_and_changes_nothing(emulator, kustom, stack):
    ours, order = charged(emulator, kustom)
    nuvei = emulator.create_payment(nuvei_payment()).json()
    strangers = {
        "unknown payment": str(uuid.uuid4()),
        "not a kustom payment": nuvei["id"],
        "not the payment of Kustom order": ours["id"],  # a Kustom payment, but of another order
    }
    before = [emulator.get_payment(p["id"]) for p in (ours, nuvei)]
    for message, reference in strangers.items():
        stranger = charge_directly(stack, kustom, reference)
        answer = kustom.push(stranger["order_id"])["notification"]
        assert answer["status"] == 400, answer
        assert message in answer["body"]
        assert acknowledgements(kustom, {"order_id": stranger["order_id"], "merchant_reference1": reference}) == 0
    assert [emulator.get_payment(p["id"]) for p in (ours, nuvei)] == before
    assert acknowledgements(kustom, order) == 0


def charge_directly(stack, kustom, reference: str) -> dict:
    """An order someone else created at Kustom, naming `reference`, pushed to our URL."""
    request = {
        "purchase_currency": "EUR",
        "order_amount": BASKET_TOTAL,
        "order_tax_amount": BASKET_TAX,
        "order_lines": basket_lines(),
        "merchant_reference1": reference,
        "merchant_urls": {
            "confirmation": CONFIRMATION_URL,
            "push": f"{stack.notification_url}/notifications/kustom?order_id={{checkout.order.id}}",
        },
    }
    answer = requests.post(
        f"{kustom.base_url}/customer-token/v1/tokens/{kustom.token()}/order",
        json=request,
        headers={"Authorization": f"Basic {CREDENTIALS['KUSTOM_API_KEY']}"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


def test_an_order_kustom_does_not_know_is_a_bad_request(stack):
    answer = post(stack, str(uuid.uuid4()))
    assert answer.status_code == 400 and "no order" in answer.json()["message"]


def test_kustom_unreachable_is_a_503_and_the_retry_applies(emulator, kustom, stack):
    payment, order = charged(emulator, kustom, fraud_status="PENDING")
    decided = kustom.decide(order["order_id"], "FRAUD_RISK_ACCEPTED", deliver=False)
    assert decided["order"]["fraud_status"] == "ACCEPTED"
    decision = {"order_id": order["order_id"], "event_type": "FRAUD_RISK_ACCEPTED"}
    kustom.latency(PROVIDER_TIMEOUT_MS + 500)
    assert post(stack, order["order_id"], json=decision).status_code == 503
    kustom.latency(0)
    assert emulator.get_payment(payment["id"])["transactions"][0]["state"] == "Pending"
    retried = post(stack, order["order_id"], json=decision)
    assert (retried.status_code, retried.json()) == (200, {"status": "applied"})
    assert emulator.get_payment(payment["id"])["transactions"][0]["state"] == "Success"


def test_interface_interactions_hold_neither_the_api_key_nor_customer_tokens(emulator, kustom):
    token = kustom.token(fraud_status="PENDING")
    payment = emulator.create_payment(kustom_payment(token)).json()
    [order] = kustom.orders(payment["id"])
    kustom.decide(order["order_id"], "FRAUD_RISK_ACCEPTED")
    stored = emulator.get_payment(payment["id"])
    logged = [i["fields"]["request"] + i["fields"].get("response", "") for i in stored["interfaceInteractions"]]
    assert len(logged) >= 2  # the charge and the fraud decision
    for text in logged:
        assert CREDENTIALS["KUSTOM_API_KEY"] not in text
        assert token not in text
        assert "shopper@example.test" not in text  # the billing address order management returns


def test_an_acknowledgement_that_timed_out_is_made_again_when_kustom_pushes_again(emulator, kustom, stack):
    """The push was applied and Kustom counted the acknowledgement, whose answer came too
    late: 503, so Kustom pushes again; the repeat changes nothing and acknowledges again,
    which Kustom takes as often as it comes."""
    payment, order = charged(emulator, kustom, fraud_status="PENDING")
    kustom.decide(order["order_id"], "FRAUD_RISK_ACCEPTED", deliver=False)
    kustom.late_answers(LATE_MS, operation="acknowledge")
    assert post(stack, order["order_id"]).status_code == 503
    applied = emulator.get_payment(payment["id"])
    assert [t["state"] for t in applied["transactions"]] == ["Success"]
    assert applied["interfaceInteractions"][-1]["fields"]["type"] == "kustom.push"
    again = post(stack, order["order_id"])
    assert (again.status_code, again.json()) == (200, {"status": "unchanged"})
    assert emulator.get_payment(payment["id"])["version"] == applied["version"]
    assert acknowledgements(kustom, order) == 2
