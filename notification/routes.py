"""POST (and for Nuvei GET) /notifications/<provider>."""

from __future__ import annotations

import logging

from flask import Blueprint, g, request
from requests.structures import CaseInsensitiveDict
from werkzeug.exceptions import HTTPException

from connector import metrics
from connector.ctp import Commercetools
from connector.errors import (
    CommercetoolsUnavailable,
    InvalidNotification,
    NotAuthentic,
    ProviderDisabled,
    ProviderUnavailable,
)
from connector.http import Deadline
from connector.providers import REGISTRY, Providers
from connector.providers.base import Call, Notification
from connector.web import note

from .apply import apply_event

log = logging.getLogger(__name__)

# Providers stop waiting for our answer after about 30 s (Paynova's limit, the shortest
# documented) and count it as failed; the commercetools round trips of one notification,
# 409 retries included, give up before that so the answer is a 503 the provider retries.
COMMERCETOOLS_SECONDS = 20.0


def notifications_blueprint(providers: Providers, commercetools: Commercetools, timeout: float) -> Blueprint:
    blueprint = Blueprint("notifications", __name__)

    @blueprint.route("/notifications/<name>", methods=["GET", "POST"])
    def notify(name: str):
        if name not in REGISTRY:
            return {"message": f"unknown provider {name}"}, 404
        if request.method not in REGISTRY[name].notification_methods:
            return {
                "message": f"{name} notifications are sent with {' or '.join(REGISTRY[name].notification_methods)}"
            }, 405
        note(provider=name)
        provider = providers.get(name)
        call = Call(Deadline(timeout), g.correlation_id)
        event = provider.read_notification(_notification(), call)
        note(paymentId=event.payment_id)
        changed = apply_event(commercetools, provider, event, g.correlation_id, Deadline(COMMERCETOOLS_SECONDS))
        # On repeats too, as an earlier attempt may have failed here; with a deadline of
        # its own, as the commercetools round trips may have used up the first one.
        provider.after_applied(event, Call(Deadline(timeout), g.correlation_id))
        outcome = "applied" if changed else "unchanged"
        note(outcome=outcome)
        metrics.notification_counter(name, "applied" if changed else "repeat").inc()
        return {"status": outcome}

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
