"""Outbound HTTP to providers: one pooled session per provider and process, and a
deadline that bounds all the calls one answer needs, each call whole."""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError
from urllib3.util import Timeout

from . import correlation, metrics
from .errors import ProviderUnavailable

log = logging.getLogger("connector.provider")

# Connections kept per provider host and process; a worker serves at most this many
# requests at once (see deploy/gunicorn.conf.py).
POOL_SIZE = 64
_CHUNK = 64 * 1024


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


@dataclass(frozen=True)
class HttpResponse:
    """A provider's answer, read completely within the deadline."""

    status_code: int
    headers: CaseInsensitiveDict
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.content)


class HttpClient:
    """Calls one provider; connection failures and timeouts become ProviderUnavailable."""

    def __init__(self, provider: str, session: requests.Session | None = None):
        self.provider = provider
        self.session = session or _pooled_session()
        self._proxies: dict[str, dict[str, str]] = {}
        self._proxies_lock = threading.Lock()

    def request(self, method: str, url: str, deadline: Deadline, operation: str | None = None, **kwargs) -> HttpResponse:
        """One call; `operation` names it in logs and metrics (default: the last path
        segment). The request's correlation id goes along as X-Correlation-ID."""
        operation = operation or urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or method
        started = time.perf_counter()
        outcome = "unavailable"
        try:
            response = self._send(method, url, deadline, kwargs)
            outcome = "ok" if response.status_code < 400 else f"http_{response.status_code // 100}xx"
            return response
        finally:
            seconds = time.perf_counter() - started
            metrics.PROVIDER_CALLS.labels(self.provider, operation, outcome).inc()
            metrics.PROVIDER_SECONDS.labels(self.provider, operation).observe(seconds)
            log.info(
                "%s %s: %s",
                self.provider,
                operation,
                outcome,
                extra={"fields": {"provider": self.provider, "operation": operation, "outcome": outcome,
                                  "durationMs": round(seconds * 1000, 2)}},
            )  # fmt: skip

    def _send(self, method: str, url: str, deadline: Deadline, kwargs: dict) -> HttpResponse:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise ProviderUnavailable(self.provider, "no time left before the deadline")
        correlation_id = correlation.current()
        if correlation_id:
            kwargs["headers"] = {correlation.HEADER: correlation_id, **(kwargs.get("headers") or {})}
        kwargs.setdefault("proxies", self._proxies_for(url))
        try:
            # total= makes connecting and waiting for the headers share one budget;
            # the body is then read against the deadline, so a provider that trickles
            # its answer cannot stretch the call either.
            response = self.session.request(method, url, timeout=Timeout(total=remaining), stream=True, **kwargs)
            with response:
                return HttpResponse(response.status_code, response.headers, self._body(response, deadline))
        except (requests.Timeout, ReadTimeoutError, TimeoutError):
            raise ProviderUnavailable(self.provider, f"timed out after {remaining:.2f}s") from None
        except (requests.RequestException, Urllib3Error, OSError) as error:
            raise ProviderUnavailable(self.provider, f"request failed: {type(error).__name__}") from None

    def _proxies_for(self, url: str) -> dict[str, str]:
        """HTTPS_PROXY/NO_PROXY for the URL's host, read once per host: requests would
        otherwise scan the whole environment on every call."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._proxies_lock:
            if origin not in self._proxies:
                self._proxies[origin] = requests.utils.get_environ_proxies(origin)
            return self._proxies[origin]

    def _body(self, response: requests.Response, deadline: Deadline) -> bytes:
        raw = response.raw
        connection = getattr(raw, "connection", None)
        chunks = []
        while True:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise ProviderUnavailable(self.provider, "the answer did not arrive before the deadline")
            if connection is not None and connection.sock is not None:
                connection.sock.settimeout(remaining)
            chunk = raw.read1(_CHUNK)  # at most one receive, so the deadline is checked between them
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _pooled_session() -> requests.Session:
    session = requests.Session()
    # The environment (proxies, CA bundle) is read once here and in _proxies_for, not on
    # every call.
    session.trust_env = False
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
