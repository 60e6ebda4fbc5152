"""Outbound HTTP to providers: pooled, kept-alive connections per provider and process,
and a deadline that bounds all the calls one answer needs, each call whole.

The transport is the connector's own HTTP/1.1 over kept-alive sockets (connector/wire.py),
and urllib3 where an environment proxy is set: requests, and even urllib3 with
http.client, cost more CPU per call than the rest of an extension answer, and this is
the checkout's hot path.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlencode, urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment  # type: ignore[attr-defined]

import certifi
import orjson
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError
from urllib3.util import Timeout, make_headers

from . import correlation, metrics
from .errors import ProviderUnavailable
from .wire import Origin

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

    provider: str
    status_code: int
    headers: Mapping[str, str]  # case-insensitive
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return orjson.loads(self.content)

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object. Anything else (a proxy's error page, a cut-off
        answer) means the provider did not answer as documented: ProviderUnavailable."""
        try:
            answer = self.json()
        except ValueError:
            raise ProviderUnavailable(self.provider, f"HTTP {self.status_code}, the answer is not JSON") from None
        if not isinstance(answer, dict):
            raise ProviderUnavailable(self.provider, f"HTTP {self.status_code}, the answer is not a JSON object")
        return answer


class HttpClient:
    """Calls one provider; connection failures and timeouts become ProviderUnavailable."""

    def __init__(self, provider: str):
        self.provider = provider
        self._routes: dict[str, _Route] = {}
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        url: str,
        deadline: Deadline,
        operation: str | None = None,
        *,
        json: Any = None,
        data: Mapping[str, str] | str | bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> HttpResponse:
        """One call; `operation` names it in logs and metrics (default: the last path
        segment). The request's correlation id goes along as X-Correlation-ID. `json` is
        sent as JSON, `data` form-encoded (a mapping) or as is."""
        parts = urlsplit(url)
        operation = operation or parts.path.rstrip("/").rsplit("/", 1)[-1] or method
        started = time.perf_counter()
        outcome, status = "unavailable", None
        try:
            target = parts.path or "/"
            query = "&".join(q for q in (parts.query, urlencode(params) if params else "") if q)
            if query:
                target = f"{target}?{query}"
            body, all_headers = _encode(json, data, headers, auth)
            response = self._send(method, self._route(parts), target, body, all_headers, deadline)
            status = response.status_code
            outcome = "ok" if status < 400 else f"http_{status // 100}xx"
            return response
        finally:
            seconds = time.perf_counter() - started
            metrics.provider_call_counter(self.provider, operation, outcome).inc()
            metrics.provider_call_timer(self.provider, operation).observe(seconds)
            log.info(
                "%s %s: %s",
                self.provider,
                operation,
                outcome,
                extra={
                    "fields": {
                        "provider": self.provider,
                        "operation": operation,
                        "status": status,
                        "outcome": outcome,
                        "durationMs": round(seconds * 1000, 2),
                    }
                },
            )

    def _send(
        self, method: str, route: _Route, target: str, body: bytes | None, headers: dict, deadline: Deadline
    ) -> HttpResponse:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise ProviderUnavailable(self.provider, "no time left before the deadline")
        try:
            if isinstance(route.opener, Origin):
                answer = route.opener.exchange(method, target, headers, body, deadline.remaining)
                return HttpResponse(self.provider, answer.status, answer.headers, answer.content)
            return self._through_proxy(route.opener, method, route.origin + target, body, headers, deadline)
        except (ReadTimeoutError, TimeoutError):
            raise ProviderUnavailable(
                self.provider, f"timed out: no answer within the deadline of {remaining:.2f}s"
            ) from None
        except (Urllib3Error, OSError) as error:
            raise ProviderUnavailable(self.provider, f"request failed: {type(error).__name__}") from None

    def _through_proxy(
        self, proxy: urllib3.ProxyManager, method: str, url: str, body: bytes | None, headers: dict, deadline: Deadline
    ) -> HttpResponse:
        # total= makes connecting and waiting for the headers share one budget; the body
        # is then read against the deadline, so a provider that trickles its answer
        # cannot stretch the call either.
        response = proxy.urlopen(
            method,
            url,
            body=body,
            headers=headers,
            timeout=Timeout(total=deadline.remaining()),
            preload_content=False,
            retries=False,
            redirect=False,
        )
        try:
            content = self._body(response, deadline)
        except BaseException:
            response.close()  # the connection is in an unknown state: drop it
            raise
        response.release_conn()  # read to the end: back to the pool for the next call
        return HttpResponse(self.provider, response.status, response.headers, content)

    def _body(self, response: urllib3.BaseHTTPResponse, deadline: Deadline) -> bytes:
        connection = response.connection
        chunks: list[bytes] = []
        while True:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise ProviderUnavailable(self.provider, "the answer did not arrive before the deadline")
            sock = getattr(connection, "sock", None)  # None once urllib3 let go of it
            if sock is not None:
                sock.settimeout(remaining)
            chunk = response.read1(_CHUNK)  # at most one receive, so the deadline is checked between them
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def _route(self, parts: SplitResult) -> _Route:
        origin = f"{parts.scheme}://{parts.netloc}"
        route = self._routes.get(origin)
        if route is None:
            with self._lock:
                route = self._routes.setdefault(origin, _Route.to(origin, parts))
        return route


@dataclass(frozen=True)
class _Route:
    """How calls reach one origin, decided once: its own kept-alive connections
    (connector/wire.py), or through the HTTPS_PROXY/HTTP_PROXY of the environment unless
    NO_PROXY exempts the host."""

    origin: str
    opener: Origin | urllib3.ProxyManager

    @classmethod
    def to(cls, origin: str, parts: SplitResult) -> _Route:
        ca_certs = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
        proxy = getproxies_environment().get(parts.scheme)
        if proxy and not proxy_bypass_environment(parts.hostname or ""):
            return cls(origin, urllib3.ProxyManager(proxy, maxsize=POOL_SIZE, ca_certs=ca_certs))
        return cls(origin, Origin(parts.scheme, parts.hostname or "", parts.port, POOL_SIZE, ca_certs))


def _encode(
    json_body: Any, data, headers: Mapping[str, str] | None, auth: tuple[str, str] | None
) -> tuple[bytes | None, dict]:
    all_headers = {}
    correlation_id = correlation.current()
    if correlation_id:
        all_headers[correlation.HEADER] = correlation_id
    if auth:
        all_headers.update(make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
    body = None
    if json_body is not None:
        body = orjson.dumps(json_body)
        all_headers["Content-Type"] = "application/json"
    elif isinstance(data, Mapping):
        body = urlencode(data).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif data is not None:
        body = data.encode() if isinstance(data, str) else data
    all_headers.update(headers or {})
    return body, all_headers
