"""POST /extension: commercetools' API Extension call, inside every checkout.

It is served as a plain WSGI handler in front of the Flask app, which serves every other
endpoint: Flask's request context, routing and response objects cost a fifth of an
extension answer's CPU (bench/results.md), and this is the one call a shopper waits on.
It does what the Flask services do for each request through the same pieces: Basic auth
(connector/web.py BasicAuth), the correlation id, the request's log line and metrics
(RequestScope), and every error in commercetools' error format, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson
from marshmallow import ValidationError

from connector import correlation
from connector.errors import (
    CommercetoolsUnavailable,
    InvalidInput,
    OperationNotPossible,
    ProviderRefused,
    ProviderUnavailable,
)
from connector.modifications import requested
from connector.payment import Payment
from connector.web import BasicAuth, RequestScope, note, tenant_named

from .modifications import Modifications
from .open_order import OpenOrder
from .schemas import EXTENSION_ACTIONS, ExtensionRequestSchema
from .sessions import Sessions

log = logging.getLogger(__name__)

PATH = "/extension"
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]

_EXTENSION_REQUEST = ExtensionRequestSchema()
_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class Unauthorized(Exception):
    pass


@dataclass(frozen=True)
class ExtensionTenant:
    """What a tenant's extension URLs serve, behind its own credentials."""

    sessions: Sessions
    modifications: Modifications
    open_order: OpenOrder
    auth: BasicAuth


class ExtensionEndpoint:
    """The WSGI app: POST /extension and /extension/<tenant> here, every other path to
    `app` (Flask)."""

    def __init__(self, app: WsgiApp, tenants: Mapping[str, ExtensionTenant]):
        self.app = app
        self.tenants = tenants

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != PATH and not (path.startswith(f"{PATH}/") and path.count("/") == 2):
            return self.app(environ, start_response)
        endpoint = PATH if path == PATH else f"{PATH}/<tenant>"
        method = environ["REQUEST_METHOD"]
        with RequestScope(_EnvironHeaders(environ)) as scope:
            tenant = tenant_named(self.tenants, path.removeprefix(PATH).lstrip("/") or None)
            headers = [("Content-Type", "application/json"), (correlation.HEADER, scope.correlation_id)]
            body: dict[str, Any]
            if tenant is None:
                status, body = 404, {"errors": [{"code": "InvalidInput", "message": f"no tenant at {path}"}]}
            elif method == "POST":
                status, body = self._answer(tenant, environ, scope.correlation_id)
            else:
                status, body = 405, {"message": "The method is not allowed for the requested URL."}
                headers.append(("Allow", "POST"))
            payload = orjson.dumps(body)
            start_response(_STATUS_LINES[status], [*headers, ("Content-Length", str(len(payload)))])
            scope.finish("extension", endpoint, method, path, status)
        return [payload]

    @staticmethod
    def _answer(tenant: ExtensionTenant, environ: dict, correlation_id: str) -> tuple[int, dict]:
        try:
            if not tenant.auth.accepts(environ.get("HTTP_AUTHORIZATION")):
                raise Unauthorized()
            action, obj = _extension_call(_json_body(environ))
            return 200, {"actions": _actions(tenant, action, obj, correlation_id)}
        except Exception as error:  # every failure in commercetools' format
            body, status = commercetools_error(error)
            return status, body


def _actions(tenant: ExtensionTenant, action: str, obj: dict, correlation_id: str) -> list[dict]:
    if not tenant.sessions.handles(obj):
        return []
    payment = Payment.from_json(obj)
    note(paymentId=payment.id, provider=payment.provider_name, action=action)
    asked = requested(payment) if action == "Update" else []
    if asked:
        actions = tenant.modifications.carry_out(payment, asked, correlation_id)
        note(outcome="modified" if actions else "unchanged", modifications=[m.type for m in asked])
    else:
        actions = tenant.sessions.extension_actions(payment, correlation_id, new_payment=action == "Create")
        note(outcome="session opened" if actions else "unchanged")
    return actions


class _EnvironHeaders:
    """A request's headers as correlation ids are read from them."""

    def __init__(self, environ: dict):
        self.environ = environ

    def get(self, name: str, /) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))


def _json_body(environ: dict) -> Any:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    raw = stream.read(int(length)) if length and length.isdigit() else stream.read()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidInput.field("body", "must be a JSON object") from None


def _extension_call(body: Any) -> tuple[str, dict]:
    """The call's action and payment JSON. A plainly well-formed call is read directly
    (this is the checkout's hot path); anything else goes through the schema, which
    accepts the same calls and names what is wrong with the others."""
    resource = body.get("resource") if isinstance(body, dict) else None
    if (
        isinstance(resource, dict)
        and body.get("action") in EXTENSION_ACTIONS
        and resource.get("typeId") == "payment"
        and isinstance(resource.get("id"), str)
        and isinstance(resource.get("obj"), dict)
    ):
        return body["action"], resource["obj"]
    if body is None:
        raise InvalidInput.field("body", "must be a JSON object")
    try:
        envelope = _EXTENSION_REQUEST.load(body)
    except ValidationError as error:
        raise InvalidInput.from_messages(error.messages) from None
    return envelope["action"], envelope["resource"]["obj"]


def commercetools_error(error: Exception) -> tuple[dict, int]:
    """Every failure as commercetools' extension error body, always a 400 (401 for
    credentials): commercetools then rejects the merchant's request with our message and
    stores nothing."""
    if isinstance(error, Unauthorized):
        return {"errors": [{"code": "Unauthorized", "message": "missing or wrong credentials"}]}, 401
    note(outcome="rejected", error=type(error).__name__)
    errors: list[dict[str, Any]]
    if isinstance(error, InvalidInput):
        errors = [
            {"code": "InvalidInput", "message": f"{e.field}: {e.message}", "extensionExtraInfo": {"field": e.field}}
            for e in error.errors
        ]
    elif isinstance(error, ProviderRefused):
        errors = [
            {
                "code": "InvalidOperation",
                "message": f"{error.provider} refused the payment: {error.message}",
                "extensionExtraInfo": {"provider": error.provider, "code": error.code, **error.details},
            }
        ]
    elif isinstance(error, OperationNotPossible):
        errors = [
            {
                "code": "InvalidOperation",
                "message": f"{error.field}: {error.message}",
                "extensionExtraInfo": {"provider": error.provider, "field": error.field},
            }
        ]
    elif isinstance(error, ProviderUnavailable):
        log.warning("provider call failed: %s", error)
        errors = [
            {
                "code": "General",
                "message": f"{error.provider} could not be reached in time: {error.reason}",
                "extensionExtraInfo": {"provider": error.provider},
            }
        ]
    elif isinstance(error, CommercetoolsUnavailable):
        log.warning("commercetools call failed: %s", error)
        errors = [{"code": "General", "message": "commercetools could not be reached; try again"}]
    else:
        log.exception("extension call failed")
        errors = [{"code": "General", "message": "the payment connector failed; try again"}]
    return {"errors": errors}, 400
