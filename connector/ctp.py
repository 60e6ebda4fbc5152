"""commercetools through its Python SDK: one client per process, its token reused,
every failure turned into CommercetoolsUnavailable, 409s retried on the fresh version.

Payments, custom objects and types are read and written as JSON through the SDK's
authenticated session (`read`, `write`): the SDK's models build marshmallow schemas on
every call, which cost some 10 ms of CPU per notification. The deploy command uses the
SDK's request builders and models (`call`)."""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from commercetools import CommercetoolsError
from commercetools.platform.client import Client
from commercetools.utils import BaseTokenSaver
from oauthlib.oauth2 import OAuth2Error
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from . import metrics
from .errors import CommercetoolsUnavailable, ConcurrentModification, PaymentNotFound
from .http import Deadline
from .payment import Payment
from .settings import CommercetoolsSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds for connecting to commercetools and for each answer.
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
# Attempts of a read-modify-write when commercetools keeps answering 409.
MODIFY_ATTEMPTS = 6

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# The deadline of the request a commercetools call is made for, if it has one.
_deadline: ContextVar[Deadline | None] = ContextVar("commercetools_deadline", default=None)


class CommercetoolsAuthError(CommercetoolsUnavailable):
    """commercetools refused the client credentials."""


class _GuardedAdapter(HTTPAdapter):
    """Timeouts on every call, and no silent failures: the SDK returns None for status
    codes some request builders do not expect (409 on custom objects, 504, 429),
    which would read as "not found"."""

    def __init__(self):
        super().__init__(pool_maxsize=64, max_retries=Retry(total=2, connect=2, read=0, status=0, backoff_factor=0.1))

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        connect, read = CONNECT_TIMEOUT, READ_TIMEOUT
        deadline = _deadline.get()
        if deadline is not None:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise CommercetoolsUnavailable("no time left before the deadline")
            connect, read = min(connect, remaining), min(read, remaining)
        kwargs["timeout"] = (connect, read)
        response = super().send(request, **kwargs)
        if response.status_code == 409:
            raise ConcurrentModification(f"{request.method} {request.path_url}: version conflict")
        if response.status_code >= 500 or response.status_code == 429:
            raise CommercetoolsUnavailable(f"commercetools answered HTTP {response.status_code}")
        return response


class _TokenSaver(BaseTokenSaver):
    """One token for the whole process (the SDK's default keeps one per thread, shared
    by every client), dropped when commercetools rejects it."""

    def __init__(self):
        self._tokens: dict[str, dict] = {}

    def get_token(self, client_id, scopes):
        return self._tokens.get(self._create_token_hash(client_id, scopes))

    def add_token(self, client_id, scopes, token):
        self._tokens[self._create_token_hash(client_id, scopes)] = token

    def clear(self) -> None:
        self._tokens.clear()


class _Client(Client):
    """The SDK client with plain JSON requests beside its request builders."""

    def get_json(self, endpoint: str) -> requests.Response:
        return self._get(endpoint, params={})

    def post_json(self, endpoint: str, body: dict, headers: dict[str, str] | None = None) -> requests.Response:
        return self._post(endpoint, params={}, json=body, headers=headers or {})


class _TokenRefused(Exception):
    """commercetools answered 401 to a plain JSON request."""


def _answer(response: requests.Response) -> dict | None:
    """A plain JSON answer: the object, None for 404, an exception for the rest."""
    if response.status_code in (200, 201):
        return response.json()
    if response.status_code == 404:
        return None
    if response.status_code == 401:
        raise _TokenRefused()
    raise CommercetoolsUnavailable(f"commercetools answered {response.status_code}: {response.text[:300]}")


class Commercetools:
    """The connector's commercetools project."""

    def __init__(self, settings: CommercetoolsSettings):
        self.settings = settings
        self._client: _Client | None = None
        self._tokens = _TokenSaver()
        self._lock = threading.Lock()
        if settings.is_local:
            # The emulator speaks plain http and answers with its own token scope.
            os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
            os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")

    def _sdk_client(self) -> _Client:
        """The client (and its token) is made on first use, so that a service starts
        while commercetools is down."""
        with self._lock:
            if self._client is None:
                self._client = _Client(
                    client_id=self.settings.client_id,
                    client_secret=self.settings.client_secret,
                    scope=list(self.settings.scopes),
                    url=self.settings.api_url,
                    token_url=f"{self.settings.auth_url}/oauth/token",
                    http_adapter=_GuardedAdapter(),
                    token_saver=self._tokens,
                )
            return self._client

    def call(self, operation: Callable[..., T], deadline: Deadline | None = None) -> T:
        """Runs `operation(project)` with the SDK's request builder for the project."""
        return self._run(lambda client: operation(client.with_project_key(self.settings.project_key)), deadline)

    def read(self, path: str, deadline: Deadline | None = None) -> dict | None:
        """GET /{project}/{path} as JSON; None when commercetools has no such resource."""
        endpoint = f"/{self.settings.project_key}/{path}"
        return self._run(lambda client: _answer(client.get_json(endpoint)), deadline)

    def write(
        self, path: str, body: dict, deadline: Deadline | None = None, correlation_id: str | None = None
    ) -> dict | None:
        """POST /{project}/{path} with a JSON body; the resource it answers with, None
        when commercetools has no such resource."""
        endpoint = f"/{self.settings.project_key}/{path}"
        headers = {"X-Correlation-ID": correlation_id} if correlation_id else None
        return self._run(lambda client: _answer(client.post_json(endpoint, body, headers)), deadline)

    def _run(self, operation: Callable[[_Client], T], deadline: Deadline | None) -> T:
        """Every failure translated; a rejected token replaced once; with a deadline, no
        HTTP call waits past it."""
        token = _deadline.set(deadline)
        try:
            for attempt in (1, 2):
                try:
                    return operation(self._client_or_unavailable())
                except (CommercetoolsError, _TokenRefused) as error:
                    status = 401 if isinstance(error, _TokenRefused) else getattr(error.response, "status_code", None)
                    if status == 401 and attempt == 1:
                        self._forget_client()
                        continue
                    raise CommercetoolsUnavailable(f"commercetools answered {status}: {error}") from None
                except requests.RequestException as error:
                    raise CommercetoolsUnavailable(f"commercetools unreachable: {type(error).__name__}") from None
            raise AssertionError("unreachable")
        finally:
            _deadline.reset(token)

    def _client_or_unavailable(self) -> _Client:
        try:
            return self._sdk_client()
        except OAuth2Error as error:
            raise CommercetoolsAuthError(
                f"commercetools refused the client credentials (CTP_CLIENT_ID/CTP_CLIENT_SECRET): {error.error}"
            ) from None
        except requests.RequestException as error:
            raise CommercetoolsUnavailable(f"commercetools unreachable: {type(error).__name__}") from None

    def _forget_client(self) -> None:
        with self._lock:
            self._client = None
            self._tokens.clear()

    def get_payment(self, payment_id: str, deadline: Deadline | None = None) -> Payment:
        if not _UUID.match(payment_id):
            raise PaymentNotFound(payment_id)  # commercetools ids are UUIDs; no need to ask
        found = self.read(f"payments/{quote(payment_id, safe='')}", deadline)
        if found is None:
            raise PaymentNotFound(payment_id)
        return Payment.from_json(found)

    def update_payment(
        self, payment: Payment, actions: list[dict], correlation_id: str | None = None, deadline: Deadline | None = None
    ) -> Payment:
        body = {"version": payment.version, "actions": actions}
        updated = self.write(f"payments/{quote(payment.id, safe='')}", body, deadline, correlation_id)
        if updated is None:
            raise PaymentNotFound(payment.id)
        return Payment.from_json(updated)

    def modify_payment(
        self,
        payment_id: str,
        plan: Callable[[Payment], list[dict]],
        correlation_id: str | None = None,
        deadline: Deadline | None = None,
        just_read: Payment | None = None,
    ) -> tuple[Payment, bool]:
        """Reads the payment, asks `plan` for actions and applies them; on 409 reads the
        fresh version and plans again, until the deadline if there is one. Returns the
        payment and whether it changed. A payment the caller `just_read` is planned on
        first without reading it again: if it has changed since, the update's 409 says so."""
        for attempt in range(MODIFY_ATTEMPTS):
            payment = just_read if attempt == 0 and just_read is not None else self.get_payment(payment_id, deadline)
            actions = plan(payment)
            if not actions:
                return payment, False
            try:
                return self.update_payment(payment, actions, correlation_id, deadline), True
            except ConcurrentModification:
                metrics.commercetools_conflicts().inc()
                log.info("payment %s changed meanwhile (attempt %d), retrying", payment_id, attempt + 1)
                time.sleep(random.uniform(0, 0.05 * 2**attempt))  # jitter spreads the contenders
        raise CommercetoolsUnavailable(f"payment {payment_id} kept changing; gave up after {MODIFY_ATTEMPTS} attempts")
