"""What both Flask services share: the app skeleton, correlation ids, the request log
line and metrics, /health, /metrics, JSON answers for unknown routes, and HTTP Basic
auth."""

from __future__ import annotations

import hmac
import logging
import sys
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from typing import TypeVar

import orjson
from flask import Flask, Response, g, request
from flask.json.provider import JSONProvider
from werkzeug.datastructures import Authorization
from werkzeug.exceptions import HTTPException

from . import correlation, logs, metrics
from .environment import ConfigError
from .tenants import DEFAULT_TENANT

access_log = logging.getLogger("connector.access")

# The tenant label of a request for a tenant the deployment does not have.
UNKNOWN_TENANT = "unknown"

T = TypeVar("T")

# gunicorn's exit status for "App failed to load": a worker that exits with it stops the
# master too, where any other status has the worker respawned without end (when the app
# is not preloaded, as under gunicorn without deploy/gunicorn.conf.py).
APP_LOAD_ERROR = 4


def wsgi_app(service: str, create_app: Callable[[], Flask]) -> Flask:
    """The service's app for gunicorn; a bad setting stops start-up with one line naming it."""
    try:
        metrics.check_files_root()
        return create_app()
    except ConfigError as error:
        print(f"{service}: configuration error: {error}", file=sys.stderr, flush=True)
        raise SystemExit(APP_LOAD_ERROR) from None


def create_service_app(service: str, log_level: str, operations: BasicAuth | None, openapi_document: dict) -> Flask:
    """The app with what every service has: /health (open), /metrics and
    /openapi.json (behind the `operations` credentials where there are any)."""
    logs.configure(service, log_level)
    app = Flask(service, static_folder=None)
    app.json = OrjsonProvider(app)
    app.before_request(_start_request)
    app.after_request(lambda response: _finish_request(service, response))
    app.teardown_request(_unbind_correlation_id)
    app.register_error_handler(HTTPException, _json_http_error)
    app.add_url_rule("/health", "health", _health, methods=["GET"])
    app.add_url_rule("/metrics", "metrics", _guarded(_metrics, operations), methods=["GET"])
    app.add_url_rule("/openapi.json", "openapi", _guarded(lambda: openapi_document, operations), methods=["GET"])
    return app


def guard(credentials: tuple[str, str] | None) -> BasicAuth | None:
    """What guards the operations endpoints: these Basic credentials, or nothing."""
    return BasicAuth(*credentials) if credentials else None


class OrjsonProvider(JSONProvider):
    """Flask's JSON through orjson: the extension's answer is encoded inside the
    shopper's checkout, and orjson does it several times faster than the json module."""

    def dumps(self, obj, **kwargs) -> str:
        return orjson.dumps(obj, default=str).decode()

    def loads(self, s, **kwargs):
        return orjson.loads(s)

    def response(self, *args, **kwargs) -> Response:
        return Response(
            orjson.dumps(self._prepare_response_obj(args, kwargs), default=str), mimetype="application/json"
        )


class RequestScope:
    """One request's part of the request log line: its start, its correlation id (bound
    for logs and provider calls) and the fields noted while it is served. Entered for
    every request, the Flask routes' and the plain WSGI endpoints' alike."""

    def __init__(self, headers: correlation.Headers):
        self.started = time.perf_counter()
        self.correlation_id = correlation.from_headers(headers)
        self.fields: dict = {}
        self.tenant = ""  # none: the operations endpoints serve the deployment

    def __enter__(self) -> RequestScope:
        self._tokens = correlation.bind(self.correlation_id), _scope.set(self)
        self._tenant_token: Token[str | None] | None = None
        return self

    def __exit__(self, *_) -> None:
        correlation_token, scope_token = self._tokens
        if self._tenant_token is not None:
            correlation.unbind_tenant(self._tenant_token)
        _scope.reset(scope_token)
        correlation.unbind(correlation_token)

    def serve(self, tenant: str | None) -> None:
        """The request is for this tenant, from here on in every line it logs (the log
        records take it from correlation); None for a tenant the deployment does not have,
        counted as `unknown` so that the metrics' labels stay few."""
        self.tenant = tenant or UNKNOWN_TENANT
        self._tenant_token = correlation.bind_tenant(self.tenant)

    def finish(self, service: str, endpoint: str, method: str, path: str, status: int) -> None:
        """Counts the request and writes its one log line."""
        seconds = time.perf_counter() - self.started
        metrics.request_counter(service, endpoint, method, status, self.tenant).inc()
        metrics.request_timer(service, endpoint, self.tenant).observe(seconds)
        access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "fields": {
                    "method": method,
                    "path": path,
                    "status": status,
                    "durationMs": round(seconds * 1000, 2),
                    **self.fields,
                }
            },
        )


_scope: ContextVar[RequestScope] = ContextVar("request_scope")


def note(**fields) -> None:
    """Adds fields (payment id, provider, outcome ...) to the request's log line."""
    _scope.get().fields.update(fields)


def tenant_named(tenants: Mapping[str, T], name: str | None) -> T | None:
    """The tenant a URL names (one without a tenant is `default`'s), noted as the
    request's; None when the deployment has no such tenant."""
    wanted = name or DEFAULT_TENANT
    tenant = tenants.get(wanted)
    _scope.get().serve(wanted if tenant is not None else None)
    return tenant


def _health():
    return {"status": "ok"}


def _metrics():
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)


def _guarded(view, auth: BasicAuth | None):
    def guarded_view():
        if auth is not None and not auth.accepts(request.headers.get("Authorization")):
            return {"message": "missing or wrong credentials"}, 401, {"WWW-Authenticate": "Basic"}
        return view()

    return guarded_view


def _start_request() -> None:
    g.scope = RequestScope(request.headers).__enter__()
    g.correlation_id = g.scope.correlation_id


def _finish_request(service: str, response):
    response.headers[correlation.HEADER] = g.correlation_id
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    g.scope.finish(service, endpoint, request.method, request.path, response.status_code)
    return response


def _unbind_correlation_id(_error) -> None:
    scope = g.pop("scope", None)
    if scope is not None:
        scope.__exit__()


def _json_http_error(error: HTTPException):
    return {"message": error.description}, error.code


class BasicAuth:
    """Checks an Authorization header's HTTP Basic credentials in constant time."""

    def __init__(self, username: str, password: str):
        self._username = username.encode()
        self._password = password.encode()

    def accepts(self, authorization_header: str | None) -> bool:
        credentials = Authorization.from_header(authorization_header)
        if credentials is None or credentials.type != "basic":
            return False
        username_ok = hmac.compare_digest((credentials.username or "").encode(), self._username)
        password_ok = hmac.compare_digest((credentials.password or "").encode(), self._password)
        return username_ok and password_ok
