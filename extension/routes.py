"""The extension service's endpoints, each answering errors in its caller's format."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, g, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from connector.errors import (
    CommercetoolsUnavailable,
    ConnectorError,
    InvalidInput,
    OperationNotPossible,
    ProviderRefused,
    ProviderUnavailable,
)
from connector.modifications import requested
from connector.payment import Payment
from connector.web import BasicAuth, note

from .modifications import Modifications
from .open_order import OpenOrder
from .schemas import EXTENSION_ACTIONS, ExtensionRequestSchema, OpenOrderSchema
from .sessions import Sessions

log = logging.getLogger(__name__)

_EXTENSION_REQUEST = ExtensionRequestSchema()
_OPEN_ORDER = OpenOrderSchema()


class Unauthorized(Exception):
    pass


def _json_body():
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise InvalidInput.field("body", "must be a JSON object")
    return body


def _load(schema: Schema, body=None) -> dict:
    try:
        return schema.load(_json_body() if body is None else body)
    except ValidationError as error:
        raise InvalidInput.from_messages(error.messages) from None


def _extension_call() -> tuple[str, dict]:
    """The call's action and payment JSON. A plainly well-formed call is read directly
    (this is the checkout's hot path); anything else goes through the schema, which
    accepts the same calls and names what is wrong with the others."""
    body = _json_body()
    resource = body.get("resource") if isinstance(body, dict) else None
    if (
        isinstance(resource, dict)
        and body.get("action") in EXTENSION_ACTIONS
        and resource.get("typeId") == "payment"
        and isinstance(resource.get("id"), str)
        and isinstance(resource.get("obj"), dict)
    ):
        return body["action"], resource["obj"]
    envelope = _load(_EXTENSION_REQUEST, body)
    return envelope["action"], envelope["resource"]["obj"]


def _protected_blueprint(name: str, auth: BasicAuth, on_error) -> Blueprint:
    """A blueprint behind Basic auth that answers every error with `on_error`."""
    blueprint = Blueprint(name, __name__)

    @blueprint.before_request
    def check_credentials():
        if not auth.accepts(request.headers.get("Authorization")):
            raise Unauthorized()

    blueprint.register_error_handler(Exception, on_error)
    return blueprint


def extension_blueprint(sessions: Sessions, modifications: Modifications, auth: BasicAuth) -> Blueprint:
    """POST /extension: commercetools' API Extension call for payments."""
    blueprint = _protected_blueprint("extension", auth, _commercetools_error)

    @blueprint.post("/extension")
    def extension():
        action, obj = _extension_call()
        if not sessions.handles(obj):
            return {"actions": []}
        payment = Payment.from_json(obj)
        note(paymentId=payment.id, provider=payment.provider_name, action=action)
        asked = requested(payment) if action == "Update" else []
        if asked:
            actions = modifications.carry_out(payment, asked, g.correlation_id)
            note(outcome="modified" if actions else "unchanged", modifications=[m.type for m in asked])
        else:
            actions = sessions.extension_actions(payment, g.correlation_id)
            note(outcome="session opened" if actions else "unchanged")
        return {"actions": actions}

    return blueprint


def _commercetools_error(error: Exception):
    """Every failure as commercetools' extension error body, always a 400: commercetools
    then rejects the merchant's request with our message and stores nothing."""
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
    elif isinstance(error, HTTPException):
        errors = [{"code": "InvalidInput", "message": error.description}]
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


def open_order_blueprint(open_order: OpenOrder, auth: BasicAuth) -> Blueprint:
    """POST /openOrder, as Nuvei's commercetools "Extension API module" defines it."""
    blueprint = _protected_blueprint("open_order", auth, _open_order_error)

    @blueprint.post("/openOrder")
    def open_order_view():
        body = _load(_OPEN_ORDER)
        note(paymentId=body["clientUniqueId"], provider="nuvei")
        return {"sessionToken": open_order.session_token(body, g.correlation_id)}

    return blueprint


def _open_order_error(error: Exception):
    if isinstance(error, Unauthorized):
        return {"message": "missing or wrong credentials"}, 401
    note(outcome="rejected", error=type(error).__name__)
    if isinstance(error, InvalidInput):
        return {"errors": [{"message": e.message, "field": e.field} for e in error.errors]}, 400
    if isinstance(error, HTTPException):
        return {"message": error.description}, error.code
    if isinstance(error, ProviderRefused | ProviderUnavailable):
        log.warning("openOrder: %s", error)
        return {"errors": [{"message": str(error), "field": "clientUniqueId"}]}, 400
    if isinstance(error, CommercetoolsUnavailable):
        log.warning("openOrder: %s", error)
        return {"message": "commercetools is unavailable; try again"}, 503
    if not isinstance(error, ConnectorError):
        log.exception("openOrder failed")
    return {"message": "the payment connector failed; try again"}, 500
