"""Outbound HTTP to providers: one pooled session per provider and process, and a
deadline that bounds all the calls one answer needs."""
from __future__ import annotations

import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Timeout

from .errors import ProviderUnavailable

# Connections kept per provider host and process; a worker serves at most this many
# requests at once (see deploy/gunicorn.conf.py).
POOL_SIZE = 64


class Deadline:
    """A point in time shared by every provider call of one request."""

    def __init__(self, seconds: float, clock=time.monotonic):
        self._clock = clock
        self._expires_at = clock() + seconds

    def remaining(self) -> float:
        return self._expires_at - self._clock()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0


class HttpClient:
    """Calls one provider; connection failures and timeouts become ProviderUnavailable."""

    def __init__(self, provider: str, session: requests.Session | None = None):
        self.provider = provider
        self.session = session or _pooled_session()

    def request(self, method: str, url: str, deadline: Deadline, **kwargs) -> requests.Response:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise ProviderUnavailable(self.provider, "no time left before the deadline")
        try:
            # total= makes connect and the wait for the answer share one budget.
            response = self.session.request(method, url, timeout=Timeout(total=remaining), **kwargs)
        except requests.Timeout:
            raise ProviderUnavailable(self.provider, f"timed out after {remaining:.2f}s") from None
        except requests.RequestException as error:
            raise ProviderUnavailable(self.provider, f"request failed: {type(error).__name__}") from None
        if deadline.expired:
            raise ProviderUnavailable(self.provider, "answered after the deadline")
        return response


def _pooled_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
