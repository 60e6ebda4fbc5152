"""HTTP/1.1 over kept-alive sockets: the transport under connector/http.py for providers
reached directly (not through a proxy).

Why not urllib3 and http.client: on the checkout's hot path they cost a quarter of the
extension's CPU per answer (connection-pool bookkeeping, timeout objects, response
wrappers, and headers parsed by the email package), for a feature set the connector does
not use. This module sends a request in one write and reads the answer from its own
buffer, each receive bounded by the call's deadline, so a provider that trickles its
answer cannot stretch the call. It speaks what providers answer: Content-Length,
chunked, or a body that ends with the connection; keep-alive unless the provider closes.
"""

from __future__ import annotations

import contextlib
import functools
import select
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Bytes a status line and headers may take; a provider that sends more is broken.
MAX_HEAD = 64 * 1024
_RECEIVE = 64 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})


class ProtocolError(OSError):
    """The peer's answer is not HTTP/1.1 as the connector reads it."""


class Headers(dict):
    """Response headers by lower-cased name: `headers["Capture-Id"]` finds capture-id."""

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def get(self, name: str, default=None):
        return super().get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Headers
    content: bytes


class _Connection:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = bytearray()

    def send(self, data: bytes, remaining: Callable[[], float]) -> None:
        self.sock.settimeout(_positive(remaining()))
        self.sock.sendall(data)

    def _fill(self, remaining: Callable[[], float]) -> None:
        self.sock.settimeout(_positive(remaining()))
        chunk = self.sock.recv(_RECEIVE)
        if not chunk:
            raise ProtocolError("the connection closed before the answer was complete")
        self.buffer += chunk

    def read_until(self, marker: bytes, remaining: Callable[[], float]) -> bytes:
        """Up to and including `marker`."""
        start = 0
        while (found := self.buffer.find(marker, start)) < 0:
            if len(self.buffer) > MAX_HEAD:
                raise ProtocolError("an answer's head is too long")
            start = max(0, len(self.buffer) - len(marker) + 1)
            self._fill(remaining)
        end = found + len(marker)
        data = bytes(self.buffer[:end])
        del self.buffer[:end]
        return data

    def read_exactly(self, size: int, remaining: Callable[[], float]) -> bytes:
        while len(self.buffer) < size:
            self._fill(remaining)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def read_to_close(self, remaining: Callable[[], float]) -> bytes:
        while True:
            try:
                self._fill(remaining)
            except ProtocolError:  # the end of the body
                data = bytes(self.buffer)
                self.buffer.clear()
                return data

    @property
    def alive(self) -> bool:
        """Whether a pooled connection can carry another request: the peer did not close
        it (a closed socket reads as readable) and sent nothing unasked."""
        if self.buffer:
            return False
        readable, _, _ = _os_select()([self.sock], [], [], 0)
        return not readable

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class Origin:
    """Kept-alive connections to one scheme://host:port, shared by a process's threads
    and greenlets; at most `pool_size` are kept idle."""

    def __init__(self, scheme: str, host: str, port: int | None, pool_size: int, ca_certs: str | None = None):
        self.host = host
        default_port = 443 if scheme == "https" else 80
        self.port = port or default_port
        self.host_header = host if self.port == default_port else f"{host}:{self.port}"
        self._tls = ssl.create_default_context(cafile=ca_certs) if scheme == "https" else None
        self._idle: list[_Connection] = []
        self._pool_size = pool_size
        self._lock = threading.Lock()

    def exchange(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes | None, remaining: Callable[[], float]
    ) -> Answer:
        """One request and its whole answer. Raises TimeoutError (socket.timeout) when
        the deadline passes, OSError (ProtocolError among them) when the exchange fails."""
        request = self._request(method, target, headers, body)
        connection = self._take() or self._connect(remaining)
        try:
            connection.send(request, remaining)
            answer, reusable = _read_answer(connection, method, remaining)
        except BaseException:
            connection.close()  # in an unknown state: never reused
            raise
        if reusable:
            self._give_back(connection)
        else:
            connection.close()
        return answer

    def _request(self, method: str, target: str, headers: Mapping[str, str], body: bytes | None) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}", "Accept-Encoding: identity"]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError(f"header {name!r} holds a line break")
            lines.append(f"{name}: {value}")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + body if body else head

    def _connect(self, remaining: Callable[[], float]) -> _Connection:
        sock = socket.create_connection((self.host, self.port), timeout=_positive(remaining()))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock.settimeout(_positive(remaining()))
                sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        return _Connection(sock)

    def _take(self) -> _Connection | None:
        while True:
            with self._lock:
                if not self._idle:
                    return None
                connection = self._idle.pop()
            if connection.alive:
                return connection
            connection.close()

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self._pool_size:
                self._idle.append(connection)
                return
        connection.close()


def _read_answer(connection: _Connection, method: str, remaining: Callable[[], float]) -> tuple[Answer, bool]:
    """The answer and whether the connection may carry another request."""
    while True:
        head = connection.read_until(b"\r\n\r\n", remaining).decode("latin-1")
        status_line, *header_lines = head[:-4].split("\r\n")
        version, status = _status(status_line)
        if not 100 <= status < 200:  # an interim answer comes before the real one
            break
    received: dict[str, str] = {}  # a plain dict: the names are lower-cased here already
    for line in header_lines:
        name, colon, value = line.partition(":")
        if not colon:
            raise ProtocolError(f"a header line without a colon: {line[:40]!r}")
        key, value = name.strip().lower(), value.strip()
        received[key] = f"{received[key]}, {value}" if key in received else value
    headers = Headers(received)
    keep_alive = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
    if method == "HEAD" or status in _NO_BODY_STATUSES:
        return Answer(status, headers, b""), keep_alive
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return Answer(status, headers, _chunked(connection, remaining)), keep_alive
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ProtocolError(f"Content-Length {length[:20]!r}")
        return Answer(status, headers, connection.read_exactly(int(length), remaining)), keep_alive
    return Answer(status, headers, connection.read_to_close(remaining)), False


def _status(line: str) -> tuple[str, int]:
    version, _, rest = line.partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {line[:40]!r}")
    return version, int(code)


def _chunked(connection: _Connection, remaining: Callable[[], float]) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = connection.read_until(b"\r\n", remaining)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ProtocolError(f"a chunk size {size_line[:20]!r}") from None
        if size == 0:
            while connection.read_until(b"\r\n", remaining) != b"\r\n":  # trailers, then the end
                pass
            return b"".join(parts)
        parts.append(connection.read_exactly(size, remaining))
        if connection.read_exactly(2, remaining) != b"\r\n":
            raise ProtocolError("a chunk without its CRLF")


def _positive(seconds: float) -> float:
    if seconds <= 0:
        raise TimeoutError("no time left before the deadline")
    return seconds


@functools.cache
def _os_select():
    """select.select of the OS, also where gevent patched the module: a zero-timeout poll
    needs no trip through gevent's hub."""
    if "gevent" in sys.modules:
        from gevent import monkey

        if monkey.is_module_patched("select"):
            return monkey.get_original("select", "select")
    return select.select
