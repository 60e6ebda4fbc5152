"""The correlation id of the request being served, for logs, responses and the
interactions written to commercetools."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Protocol

HEADER = "X-Correlation-ID"
_INCOMING_HEADERS = (HEADER, "X-Request-ID")
# Kept when it looks like an id; anything else (too long, odd characters) is replaced
# so that a caller cannot inject text into our logs.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")

_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)


class Headers(Protocol):
    def get(self, key: str, /) -> str | None: ...


def from_headers(headers: Headers) -> str:
    for name in _INCOMING_HEADERS:
        value = headers.get(name)
        if value and _ACCEPTABLE.match(value):
            return value
    return uuid.uuid4().hex


def current() -> str | None:
    return _current.get()


def bind(correlation_id: str):
    """Makes `correlation_id` current; returns the token for `unbind`."""
    return _current.set(correlation_id)


def unbind(token) -> None:
    _current.reset(token)
