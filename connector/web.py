"""What both Flask services share: the app skeleton, correlation ids, the request log
line, /health, JSON answers for unknown routes, and HTTP Basic auth."""
from __future__ import annotations

import hmac
import logging
import time

from flask import Flask, g, request
from werkzeug.datastructures import Authorization
from werkzeug.exceptions import HTTPException

from . import correlation, logs
from .settings import Settings

access_log = logging.getLogger("connector.access")


def create_service_app(service: str, settings: Settings) -> Flask:
    logs.configure(service, settings.log_level)
    app = Flask(service, static_folder=None)
    app.json.sort_keys = False
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_unbind_correlation_id)
    app.register_error_handler(HTTPException, _json_http_error)
    app.add_url_rule("/health", "health", _health, methods=["GET"])
    return app


def note(**fields) -> None:
    """Adds fields (payment id, provider, outcome ...) to the request's log line."""
    g.log_fields.update(fields)


def _health():
    return {"status": "ok"}


def _start_request() -> None:
    g.started = time.perf_counter()
    g.log_fields = {}
    g.correlation_id = correlation.from_headers(request.headers)
    g.correlation_token = correlation.bind(g.correlation_id)


def _finish_request(response):
    response.headers[correlation.HEADER] = g.correlation_id
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "fields": {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "durationMs": round((time.perf_counter() - g.started) * 1000, 2),
                **g.log_fields,
            }
        },
    )
    return response


def _unbind_correlation_id(_error) -> None:
    token = g.pop("correlation_token", None)
    if token is not None:
        correlation.unbind(token)


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
