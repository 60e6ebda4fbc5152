"""POST (and for Nuvei GET) /notifications/<provider>."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Blueprint, g, request
from requests.structures import CaseInsensitiveDict
from werkzeug.exceptions import HTTPException

from connector import metrics
from connector.errors import (
    CommercetoolsUnavailable,
    InvalidNotification,
    NotAuthentic,
    ProviderDisabled,
    ProviderUnavailable,
)
from connector.providers import REGISTRY
from connector.providers.base import Notification
from connector.web import note, tenant_named

from .notifications import Notifications

log = logging.getLogger(__name__)


def notifications_blueprint(tenants: Mapping[str, Notifications]) -> Blueprint:
    """/notifications/<provider> and /notifications/<provider>/<tenant>: a tenant's
    notifications are read with its providers' accounts and written to its project only."""
    blueprint = Blueprint("notifications", __name__)

    @blueprint.route("/notifications/<name>", methods=["GET", "POST"])
    @blueprint.route("/notifications/<name>/<tenant>", methods=["GET", "POST"])
    def notify(name: str, tenant: str | None = None):
        notifications = tenant_named(tenants, tenant)
        if notifications is None:
            return {"message": f"no tenant at {request.path}"}, 404
        if name not in REGISTRY:
            return {"message": f"unknown provider {name}"}, 404
        if request.method not in REGISTRY[name].notification_methods:
            return {
                "message": f"{name} notifications are sent with {' or '.join(REGISTRY[name].notification_methods)}"
            }, 405
        note(provider=name)
        outcome = notifications.receive(
            name, _notification(), g.correlation_id, on_read=lambda event: note(paymentId=event.payment_id)
        )
        note(outcome=outcome.status)
        metrics.notification_counter(name, "applied" if outcome.changed else "repeat").inc()
        return {"status": outcome.status}

    blueprint.register_error_handler(Exception, _error)
    return blueprint


def _notification() -> Notification:
    body = request.get_data(cache=True)  # kept raw for providers that sign the body
    return Notification(
        method=request.method,
        query=request.args.to_dict(),
        form=request.form.to_dict(),
        headers=CaseInsensitiveDict(request.headers),
        body=body,
    )


def _error(error: Exception):
    """401 for forgeries, 400 for unusable notifications, 503 for whatever may work on
    a retry (so the provider retries); never a 500."""
    body, status = _answer_for(error)
    outcome = "failed" if status >= 500 else "refused"
    note(outcome=outcome, error=type(error).__name__)
    if request.view_args and request.view_args.get("name") in REGISTRY:
        metrics.notification_counter(request.view_args["name"], outcome).inc()
    return body, status


def _answer_for(error: Exception) -> tuple[dict, int]:
    if isinstance(error, NotAuthentic):
        log.warning("notification refused: %s", error)
        return {"message": "not authentic"}, 401
    if isinstance(error, InvalidNotification):
        log.warning("notification refused: %s", error)
        return {"message": str(error)}, 400
    if isinstance(error, HTTPException):
        return {"message": error.description}, error.code or 500
    if isinstance(error, ProviderDisabled):
        log.error("notification not applied, the provider will retry: %s", error.reason)
        return {"message": error.reason}, 503
    if isinstance(error, CommercetoolsUnavailable | ProviderUnavailable):
        log.error("notification not applied, the provider will retry: %s", error)
    else:
        log.exception("notification failed, the provider will retry")
    return {"message": "temporarily unable to apply the notification"}, 503
