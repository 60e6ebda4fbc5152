import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from connector.errors import ProviderUnavailable
from connector.http import Deadline
from connector.tokens import AccessToken


class Provider:
    """Issues numbered tokens that live `lifetime` seconds."""

    def __init__(self, lifetime=3600.0):
        self.issued = 0
        self.lifetime = lifetime

    def fetch(self, deadline):
        self.issued += 1
        return f"token-{self.issued}", self.lifetime


def test_one_token_is_reused_until_shortly_before_it_expires():
    now = [0.0]
    provider = Provider()
    token = AccessToken("optty", provider.fetch, clock=lambda: now[0])
    assert token.get(Deadline(5)) == "token-1"
    now[0] = 3500.0
    assert token.get(Deadline(5)) == "token-1"
    now[0] = 3541.0  # within the last minute
    assert token.get(Deadline(5)) == "token-2"


def test_short_lived_tokens_are_renewed_at_half_life():
    now = [0.0]
    token = AccessToken("optty", Provider(lifetime=60).fetch, clock=lambda: now[0])
    token.get(Deadline(5))
    now[0] = 31.0
    assert token.get(Deadline(5)) == "token-2"


def test_a_refused_token_is_fetched_again_once():
    provider = Provider()
    token = AccessToken("optty", provider.fetch)
    seen = []

    def request(value):
        seen.append(value)
        return SimpleNamespace(status_code=401 if value == "token-1" else 200)

    assert token.send(Deadline(5), request).status_code == 200
    assert seen == ["token-1", "token-2"]


def test_a_second_refusal_is_returned_not_retried_forever():
    token = AccessToken("optty", Provider().fetch)
    calls = []
    answer = token.send(Deadline(5), lambda value: calls.append(value) or SimpleNamespace(status_code=401))
    assert answer.status_code == 401 and len(calls) == 2


def test_concurrent_callers_share_one_fetch():
    provider = Provider()
    token = AccessToken("optty", provider.fetch)
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda _: token.get(Deadline(5)), range(32))) == {"token-1"}
    assert provider.issued == 1


def test_refusing_an_already_replaced_token_keeps_the_new_one():
    provider = Provider()
    token = AccessToken("optty", provider.fetch)
    old = token.get(Deadline(5))
    token.refused(old)
    new = token.get(Deadline(5))
    token.refused(old)  # a slow thread reporting the old token
    assert token.get(Deadline(5)) == new


def test_waiting_for_another_threads_fetch_respects_the_deadline():
    release = threading.Event()

    def slow_fetch(deadline):
        release.wait(2)
        return "token", 3600.0

    token = AccessToken("optty", slow_fetch)
    fetching = threading.Thread(target=token.get, args=(Deadline(5),))
    fetching.start()
    try:
        with pytest.raises(ProviderUnavailable, match="access token"):
            token.get(Deadline(0.1))
    finally:
        release.set()
        fetching.join()
