"""What every sandbox shares: its latency and late-answer controls, its scripted errors, the
answers it repeats for an idempotency key, its logs."""

import threading
import time

import pytest
from flask import Flask

from connector.providers.optty.sandbox import app as optty
from sandboxes import common
from sandboxes.common import Latency, Replies, ScriptedErrors, Store, control_blueprint
from tests.connector.providers.optty.test_sandbox import CLIENT, order_body


@pytest.fixture
def slept(monkeypatch):
    seconds: list[float] = []
    monkeypatch.setattr(common.time, "sleep", seconds.append)
    return seconds


def test_late_answers_wait_after_creating_as_many_times_as_asked(slept):
    latency = Latency()
    latency.answer_late(1.5, 2)
    for _ in range(3):
        latency.wait_after_creating("createOrder")
    assert slept == [1.5, 1.5]


def test_late_answers_for_one_operation_leave_the_others_alone(slept):
    latency = Latency()
    latency.answer_late(2.0, 1, "initializePayment")
    latency.wait_after_creating("createOrder")
    latency.wait_after_creating("initializePayment")
    latency.wait_after_creating("initializePayment")
    assert slept == [2.0]


def test_the_control_endpoints_set_and_reset_late_answers(slept):
    latency = Latency()
    app = Flask("sandbox")
    app.register_blueprint(control_blueprint(latency, lambda: None, list))
    client = app.test_client()
    answer = client.post("/_sandbox/late-answers", json={"ms": 1500, "count": 1, "operation": "openOrder"})
    assert answer.json == {"ms": 1500.0, "count": 1, "operation": "openOrder"}
    client.post("/_sandbox/reset")
    latency.wait_after_creating("openOrder")
    assert slept == []


def test_a_late_answer_comes_after_the_order_is_held():
    """Over a real sandbox app: the order is there while its answer is still on its way."""
    app = optty.create_app("c1", "s1")
    token = app.test_client().post("/auth/token", data=CLIENT).json["access_token"]
    app.test_client().post("/_sandbox/late-answers", json={"ms": 400})
    answers = []
    creating = threading.Thread(
        target=lambda: answers.append(
            app.test_client().post("/api/orders", json=order_body(), headers={"Authorization": f"Bearer {token}"})
        )
    )
    started = time.monotonic()
    creating.start()
    held = []
    while not held and time.monotonic() - started < 2:
        held = app.test_client().get("/_sandbox/orders").json["orders"]
    assert held and not answers  # held before answered
    creating.join()
    assert answers[0].status_code == 201
    assert time.monotonic() - started >= 0.4


def error_answer(status, message, options):
    return {"error": message, "code": options.get("code")}, status


@pytest.mark.parametrize(
    "options",
    [{"operation": "refund", "status": 503}, {"operation": "capture", "status": 200}, {"operation": "capture"}],
)
def test_a_scripted_error_needs_a_known_operation_and_an_http_error_status(options):
    errors = ScriptedErrors()
    answer, status = errors.script(options, ("capture", "void"), error_answer)
    assert status == 400 and "capture" in answer["message"]
    assert errors.take("capture") is None and errors.take("refund") is None


def test_scripted_errors_answer_as_many_next_calls_as_asked_in_the_providers_words():
    errors = ScriptedErrors()
    options = {"operation": "void", "status": 503, "count": 2, "code": "BUSY"}
    assert errors.script(options, ("capture", "void"), error_answer) == (
        {"operation": "void", "status": 503, "count": 2},
        200,
    )
    expected = ({"error": "void failed (sandbox)", "code": "BUSY"}, 503)
    assert [errors.take("void") for _ in range(3)] == [expected, expected, None]
    errors.script({"operation": "capture", "status": 400, "message": "no"}, ("capture",), error_answer)
    assert errors.take("capture") == ({"error": "no", "code": None}, 400)


def test_a_key_s_remembered_answer_is_given_again_without_computing():
    replies: Replies[tuple[str, int]] = Replies()
    computed = []

    def compute(status: int):
        return lambda: computed.append(status) or (f"answer {len(computed)}", status)

    def worth(answer):
        return answer[1] < 300

    assert replies.answer("k1", compute(201), worth) == (("answer 1", 201), False)
    assert replies.answer("k1", compute(201), worth) == (("answer 1", 201), True)
    assert replies.answer("k2", compute(503), worth) == (("answer 2", 503), False)  # not worth remembering
    assert replies.answer("k2", compute(201), worth) == (("answer 3", 201), False)
    assert replies.answer(None, compute(201), worth) == (("answer 4", 201), False)  # no key: nothing kept
    assert replies.answer(None, compute(201), worth) == (("answer 5", 201), False)
    replies.clear()
    assert replies.answer("k1", compute(201), worth) == (("answer 6", 201), False)


def test_racing_calls_with_one_key_compute_one_answer():
    replies: Replies[int] = Replies()
    computed = []

    def compute():
        time.sleep(0.05)
        computed.append(1)
        return len(computed)

    answers = []
    racing = [
        threading.Thread(target=lambda: answers.append(replies.answer("k", compute, lambda _: True))) for _ in range(3)
    ]
    for thread in racing:
        thread.start()
    for thread in racing:
        thread.join()
    assert computed == [1] and sorted(answers) == [(1, False), (1, True), (1, True)]


def test_appended_items_are_kept_in_order_each_under_its_own_number():
    log = Store()
    log.append({"n": 1})
    log.append({"n": 1})
    assert log.keys() == ["1", "2"] and log.find() == [{"n": 1}, {"n": 1}]
