"""The correlation id of the request being served, for logs, responses and the
interactions written to commercetools, and the tenant it is for, for its log lines."""

from __future__ import annotations

import itertools
import os
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
_tenant: ContextVar[str | None] = ContextVar("tenant", default=None)


class Headers(Protocol):
    def get(self, key: str, /) -> str | None: ...


def from_headers(headers: Headers) -> str:
    for name in _INCOMING_HEADERS:
        value = headers.get(name)
        if value and _ACCEPTABLE.match(value):
            return value
    return new_id()


class _Ids:
    """New ids: this process's random prefix and a count, unique across processes and
    restarts (the prefix is 64 random bits, drawn again in each forked worker) without
    asking the OS for randomness on every request."""

    def __init__(self):
        self.restart()
        os.register_at_fork(after_in_child=self.restart)

    def restart(self) -> None:
        self.prefix = uuid.uuid4().hex[:16]
        self.numbers = itertools.count()

    def new(self) -> str:
        return f"{self.prefix}{next(self.numbers):016x}"


_ids = _Ids()


def new_id() -> str:
    """A new unique id of 32 hex digits, as uuid4().hex would be."""
    return _ids.new()


def current() -> str | None:
    return _current.get()


def bind(correlation_id: str):
    """Makes `correlation_id` current; returns the token for `unbind`."""
    return _current.set(correlation_id)


def unbind(token) -> None:
    _current.reset(token)


def bind_tenant(tenant: str):
    """Makes `tenant` the current request's; returns the token for `unbind_tenant`."""
    return _tenant.set(tenant)


def unbind_tenant(token) -> None:
    _tenant.reset(token)


def current_tenant() -> str | None:
    return _tenant.get()
