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
    follow_ups = FollowUps(attempts=3, retry_interval=0)
    follow_ups.configure({"delayMs": 0})
    answers = iter([{"status": 503}, {"status": None, "error": "ConnectionError"}, {"status": 204}, {"status": 200}])
    follow_ups.send({"about": "x"}, lambda: next(answers))
    [sent] = settled(follow_ups)
    assert (sent["state"], [a["status"] for a in sent["attempts"]]) == ("done", [503, None, 204])


def test_attempts_end_after_the_provider_s_number():
    follow_ups = FollowUps(attempts=2, retry_interval=0)
    follow_ups.configure({"delayMs": 0})
    follow_ups.send({}, lambda: {"status": 500})
    assert [len(f["attempts"]) for f in settled(follow_ups)] == [2]


def test_the_first_attempt_waits_the_delay():
    follow_ups = FollowUps(attempts=1, retry_interval=0)
    follow_ups.configure({"delayMs": 150})
    sent_at = []
    started = time.monotonic()
    follow_ups.send({}, lambda: sent_at.append(time.monotonic()) or {"status": 200})
    assert time.monotonic() - started < 0.1  # send() does not wait
    settled(follow_ups)
    assert sent_at[0] - started >= 0.15


def test_dropped_follow_ups_are_listed_and_never_sent():
    follow_ups = FollowUps(attempts=3, retry_interval=0)
    assert follow_ups.configure({"drop": 1, "delayMs": 0})["drop"] == 1
    calls = []
    follow_ups.send({"n": 1}, lambda: calls.append(1) or {"status": 200})
    follow_ups.send({"n": 2}, lambda: calls.append(2) or {"status": 200})
    assert [(f["about"]["n"], f["state"]) for f in settled(follow_ups)] == [(1, "dropped"), (2, "done")]
    assert calls == [2]
    follow_ups.reset()
    assert follow_ups.listed() == [] and follow_ups.delay == 0.2
