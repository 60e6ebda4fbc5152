"""Follow-up notifications: sent after the answer, retried until a 2xx, or lost on request."""

import time

from sandboxes.followups import FollowUps


def settled(follow_ups: FollowUps) -> list[dict]:
    deadline = time.monotonic() + 5
    while any(f["state"] == "waiting" for f in follow_ups.listed()):
        assert time.monotonic() < deadline, follow_ups.listed()
        time.sleep(0.01)
    return follow_ups.listed()


def test_a_follow_up_is_retried_until_answered_2xx_and_no_more():
    follow_ups = FollowUps(retry_pauses=(0, 0))
    follow_ups.configure({"delayMs": 0})
    answers = iter([{"status": 503}, {"status": None, "error": "ConnectionError"}, {"status": 204}, {"status": 200}])
    follow_ups.send({"about": "x"}, lambda: next(answers))
    [sent] = settled(follow_ups)
    assert (sent["state"], [a["status"] for a in sent["attempts"]]) == ("done", [503, None, 204])


def test_attempts_end_after_the_provider_s_number():
    follow_ups = FollowUps(retry_pauses=(0,))
    follow_ups.configure({"delayMs": 0})
    follow_ups.send({}, lambda: {"status": 500})
    assert [len(f["attempts"]) for f in settled(follow_ups)] == [2]


def test_the_first_attempt_waits_the_delay():
    follow_ups = FollowUps(retry_pauses=())
    follow_ups.configure({"delayMs": 150})
    sent_at = []
    started = time.monotonic()
    follow_ups.send({}, lambda: sent_at.append(time.monotonic()) or {"status": 200})
    assert time.monotonic() - started < 0.1  # send() does not wait
    settled(follow_ups)
    assert sent_at[0] - started >= 0.15


def test_dropped_follow_ups_are_listed_and_never_sent():
    follow_ups = FollowUps(retry_pauses=(0, 0))
    assert follow_ups.configure({"drop": 1, "delayMs": 0})["drop"] == 1
    calls = []
    follow_ups.send({"n": 1}, lambda: calls.append(1) or {"status": 200})
    follow_ups.send({"n": 2}, lambda: calls.append(2) or {"status": 200})
    assert [(f["about"]["n"], f["state"]) for f in settled(follow_ups)] == [(1, "dropped"), (2, "done")]
    assert calls == [2]
    follow_ups.reset()
    assert follow_ups.listed() == [] and follow_ups.delay == 0.2


def test_retries_wait_the_provider_s_pauses_in_turn_until_its_answer():
    follow_ups = FollowUps(retry_pauses=(0.05, 0.15, 0.05), delay=0, delivered=lambda answer: answer["status"] == 200)
    sent_at = []
    answers = iter([{"status": 500}, {"status": 204}, {"status": 200}])
    follow_ups.send({}, lambda: sent_at.append(time.monotonic()) or next(answers))
    [sent] = settled(follow_ups)
    assert [a["status"] for a in sent["attempts"]] == [500, 204, 200]
    assert sent_at[1] - sent_at[0] >= 0.05 and sent_at[2] - sent_at[1] >= 0.15


def test_the_control_s_retry_interval_sets_every_pause():
    follow_ups = FollowUps(retry_pauses=(0.2, 0.5, 1.0))
    assert follow_ups.configure({"retryIntervalMs": 10}) == {"delayMs": 200, "retryIntervalMs": 10, "drop": 0}
    assert follow_ups.retry_pauses == (0.01, 0.01, 0.01)
    follow_ups.reset()
    assert follow_ups.retry_pauses == (0.2, 0.5, 1.0)


def test_a_follow_up_with_nowhere_to_go_is_listed_dropped():
    follow_ups = FollowUps(retry_pauses=())
    follow_ups.send({"n": 1}, None)
    assert [(f["about"], f["state"], f["attempts"]) for f in follow_ups.listed()] == [({"n": 1}, "dropped", [])]
