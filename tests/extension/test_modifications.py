"""The extension carrying out captures, refunds and cancellations that a merchant's Update
adds as Initial transactions: checked before any call, sent in order under one deadline,
each outcome written onto its transaction. The provider here is a small recording one;
every real provider is exercised end to end in tests/e2e."""

import time
from typing import Any, ClassVar

import pytest

from connector.errors import ProviderRefused, ProviderUnavailable
from connector.modifications import CANCEL, CHARGE, PARTIAL, REFUND
from connector.providers import Providers, read_settings
from connector.providers.base import Call, ModificationCall, ModificationResult, Provider, ProviderContext
from extension.app import create_app
from tests.factories import EXTENSION_AUTH, extension_call, payment_json


class RecordingProvider(Provider):
    """Answers each modification as a test scripts it, and records what it was sent."""

    name = "nuvei"
    variables = ()
    example_session_request: ClassVar[dict] = {}
    modification_reach: ClassVar[dict] = {CHARGE: PARTIAL, REFUND: PARTIAL}
    cannot: ClassVar[dict] = {CANCEL: "this provider releases authorizations by itself"}

    def __init__(self):
        super().__init__(None, ProviderContext(None, None), client=self)  # type: ignore[arg-type] # it answers itself
        self.sent: list[dict] = []
        self.answers: list[Any] = []  # a ModificationResult or an exception, per call
        self.seconds_per_call = 0.0

    @classmethod
    def config_from_env(cls, env):
        return None

    def open_session(self, payment, call):
        raise AssertionError("no session is opened in these tests")

    def read_notification(self, notification, call):
        raise AssertionError("no notification in these tests")

    def prepare_modification(self, payment, modification, balance) -> ModificationCall:
        request = {"reference": modification.transaction_id, "amount": modification.amount.decimal_text()}
        return ModificationCall(f"test.{modification.asked}", request, {**request, "secret": "***"})

    def send_modification(self, prepared: ModificationCall, call: Call) -> ModificationResult:
        time.sleep(self.seconds_per_call)
        self.sent.append({**prepared.request, "remaining": call.deadline.remaining()})
        answer = self.answers.pop(0) if self.answers else ModificationResult("Success", {"ok": True}, "P-1")
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider()


@pytest.fixture
def client(env, provider):
    env["PROVIDER_TIMEOUT_MS"] = "1000"
    return create_app(read_settings(env), providers=Providers({"nuvei": provider})).test_client()


def tx(type_: str, state: str, cents: int, transaction_id: str) -> dict:
    return {
        "id": transaction_id,
        "type": type_,
        "state": state,
        "amount": {"type": "centPrecision", "centAmount": cents, "currencyCode": "EUR", "fractionDigits": 2},
        **({"interactionId": f"nuvei-{transaction_id}"} if state != "Initial" else {}),
    }


def authorized_payment(*initial: dict) -> dict:
    data = payment_json(interface_id="order-1", custom_fields={"sessionToken": "tok"})
    data["transactions"] = [tx("Authorization", "Success", 1999, "auth"), *initial]
    return data


def update(client, payment: dict, action: str = "Update"):
    return client.post("/extension", json=extension_call(payment, action), headers=EXTENSION_AUTH)


def by_action(actions: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for action in actions:
        grouped.setdefault(action["action"], []).append(action)
    return grouped


def test_a_capture_is_sent_and_its_outcome_written_onto_the_transaction(client, provider):
    answer = update(client, authorized_payment(tx("Charge", "Initial", 1000, "capture-1")))
    assert answer.status_code == 200
    actions = by_action(answer.json["actions"])
    assert actions["changeTransactionState"] == [
        {"action": "changeTransactionState", "transactionId": "capture-1", "state": "Success"}
    ]
    assert actions["changeTransactionInteractionId"] == [
        {"action": "changeTransactionInteractionId", "transactionId": "capture-1", "interactionId": "P-1"}
    ]
    [interaction] = actions["addInterfaceInteraction"]
    assert interaction["fields"]["type"] == "test.capture"
    assert '"secret":"***"' in interaction["fields"]["request"]  # the masked request, not the sent one
    assert [sent["reference"] for sent in provider.sent] == ["capture-1"]


def test_a_refusal_is_a_failure_with_the_providers_reason_and_the_update_goes_through(client, provider):
    provider.answers = [ProviderRefused("nuvei", "1140", "related transaction not found")]
    answer = update(client, authorized_payment(tx("Charge", "Initial", 1000, "capture-1")))
    assert answer.status_code == 200
    actions = by_action(answer.json["actions"])
    assert actions["changeTransactionState"][0]["state"] == "Failure"
    assert "changeTransactionInteractionId" not in actions
    assert "related transaction not found" in actions["addInterfaceInteraction"][0]["fields"]["response"]


def test_no_answer_in_time_is_pending_never_a_failure(client, provider):
    provider.answers = [ProviderUnavailable("nuvei", "timed out after 1.00s")]
    actions = by_action(update(client, authorized_payment(tx("Charge", "Initial", 1000, "capture-1"))).json["actions"])
    assert actions["changeTransactionState"][0]["state"] == "Pending"
    assert "changeTransactionInteractionId" not in actions


def test_several_are_carried_out_in_order_each_counting_the_ones_before(client, provider):
    payment = authorized_payment(tx("Charge", "Initial", 1500, "capture-1"), tx("Charge", "Initial", 499, "capture-2"))
    answer = update(client, payment)
    assert answer.status_code == 200
    assert [sent["reference"] for sent in provider.sent] == ["capture-1", "capture-2"]
    states = [a["transactionId"] for a in by_action(answer.json["actions"])["changeTransactionState"]]
    assert states == ["capture-1", "capture-2"]


def test_one_too_many_is_refused_before_any_money_moves(client, provider):
    payment = authorized_payment(tx("Charge", "Initial", 1500, "capture-1"), tx("Charge", "Initial", 500, "capture-2"))
    answer = update(client, payment)
    assert answer.status_code == 400
    [error] = answer.json["errors"]
    assert error["code"] == "InvalidInput"
    assert error["message"] == "transactions[2].amount: capture of 5.00 EUR exceeds the 4.99 EUR still authorized"
    assert error["extensionExtraInfo"] == {"field": "transactions[2].amount"}
    assert provider.sent == []


def test_what_the_provider_cannot_do_is_refused_as_an_invalid_operation(client, provider):
    answer = update(client, authorized_payment(tx("CancelAuthorization", "Initial", 1999, "cancel-1")))
    assert answer.status_code == 400
    [error] = answer.json["errors"]
    assert error["code"] == "InvalidOperation"
    assert error["message"] == (
        "transactions[1].amount: nuvei cannot cancel: this provider releases authorizations by itself"
    )
    assert error["extensionExtraInfo"] == {"provider": "nuvei", "field": "transactions[1].amount"}
    assert provider.sent == []


def test_what_the_deadline_leaves_no_time_for_stays_initial(client, provider):
    provider.seconds_per_call = 0.85  # of the 1 s deadline
    payment = authorized_payment(tx("Charge", "Initial", 1000, "capture-1"), tx("Charge", "Initial", 500, "capture-2"))
    actions = update(client, payment).json["actions"]
    assert [sent["reference"] for sent in provider.sent] == ["capture-1"]
    assert {a.get("transactionId") for a in actions} == {"capture-1", None}  # None: the interaction


def test_calls_share_the_answers_one_deadline(client, provider):
    provider.seconds_per_call = 0.2
    payment = authorized_payment(tx("Charge", "Initial", 1000, "capture-1"), tx("Charge", "Initial", 500, "capture-2"))
    update(client, payment)
    first, second = (sent["remaining"] for sent in provider.sent)
    assert first <= 0.8 and second <= first - 0.2


def test_an_update_without_initial_transactions_calls_no_one(client, provider):
    answer = update(client, authorized_payment(tx("Charge", "Success", 1000, "capture-0")))
    assert answer.json == {"actions": []}
    assert provider.sent == []


def test_a_create_never_moves_money(client, provider):
    answer = update(client, authorized_payment(tx("Charge", "Initial", 1000, "capture-1")), action="Create")
    assert answer.json == {"actions": []}  # the payment has a session: nothing to open either
    assert provider.sent == []
