"""Provider access tokens (OAuth client credentials and the like), cached per process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .errors import ProviderUnavailable
from .http import Deadline, HttpResponse

# Fetch a new token this long before the provider says the old one expires.
REFRESH_MARGIN = 60.0


class AccessToken:
    """One provider token shared by the threads of a process: fetched on first use,
    again shortly before it expires, and once more when the provider refuses it."""

    def __init__(
        self,
        provider: str,
        fetch: Callable[[Deadline], tuple[str, float]],
        clock: Callable[[], float] = time.monotonic,
    ):
        self.provider = provider
        self._fetch = fetch  # (token, seconds until it expires)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def get(self, deadline: Deadline) -> str:
        # One fetch at a time; the others wait for its result, within their deadline.
        if not self._lock.acquire(timeout=max(deadline.remaining(), 0)):
            raise ProviderUnavailable(self.provider, "timed out waiting for an access token")
        try:
            if self._token is None or self._clock() >= self._renew_at:
                token, expires_in = self._fetch(deadline)
                margin = min(REFRESH_MARGIN, expires_in / 2)
                self._token, self._renew_at = token, self._clock() + expires_in - margin
            return self._token
        finally:
            self._lock.release()

    def refused(self, token: str) -> None:
        """The provider answered 401 to `token`; forget it unless already replaced."""
        with self._lock:
            if self._token == token:
                self._token = None

    def send(self, deadline: Deadline, request: Callable[[str], HttpResponse]) -> HttpResponse:
        """`request(token)`, repeated once with a fresh token if the provider answers 401."""
        token = self.get(deadline)
        response = request(token)
        if response.status_code == 401:
            self.refused(token)
            response = request(self.get(deadline))
        return response
