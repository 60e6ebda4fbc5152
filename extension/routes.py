"""POST /openOrder, Nuvei's standalone session call, as a Flask blueprint that answers
errors in its own format (POST /extension is extension/endpoint.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Blueprint, g, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, NotFound

from connector.errors import (
    CommercetoolsUnavailable,
    ConnectorError,
    InvalidInput,
    ProviderRefused,
    ProviderUnavailable,
)
from connector.web import note, tenant_named

from .endpoint import ExtensionTenant, Unauthorized
from .schemas import OpenOrderSchema

log = logging.getLogger(__name__)

_OPEN_ORDER = OpenOrderSchema()


def open_order_blueprint(tenants: Mapping[str, ExtensionTenant]) -> Blueprint:
    """POST /openOrder and /openOrder/<tenant>, as Nuvei's commercetools "Extension API
    module" defines it, each tenant behind its own credentials."""
    blueprint = Blueprint("open_order", __name__)

    @blueprint.before_request
    def check_tenant_and_credentials():
        found = tenant_named(tenants, (request.view_args or {}).get("tenant"))
        if found is None:
            raise NotFound(f"no tenant at {request.path}")
        g.open_order = found.open_order
        if not found.auth.accepts(request.headers.get("Authorization")):
            raise Unauthorized()

    @blueprint.post("/openOrder")
    @blueprint.post("/openOrder/<tenant>")
    def open_order_view(tenant: str | None = None):
        body = _open_order_body()
        note(paymentId=body["clientUniqueId"], provider="nuvei")
        return {"sessionToken": g.open_order.session_token(body, g.correlation_id)}

    blueprint.register_error_handler(Exception, _open_order_error)
    return blueprint


def _open_order_body() -> dict:
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise InvalidInput.field("body", "must be a JSON object")
    try:
        return _OPEN_ORDER.load(body)
    except ValidationError as error:
        raise InvalidInput.from_messages(error.messages) from None


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
