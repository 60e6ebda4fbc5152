"""The notification service's app factory."""

from __future__ import annotations

from flask import Flask

from connector.ctp import Commercetools
from connector.providers import Providers, read_settings
from connector.settings import Settings
from connector.web import create_service_app, operations_auth

from . import openapi
from .notifications import Notifications
from .routes import notifications_blueprint

# Checked at start-up besides commercetools' settings: none (the Kubernetes test reads this).
REQUIRED_SETTINGS: tuple[str, ...] = ()


def create_app(
    settings: Settings | None = None,
    *,
    providers: Providers | None = None,
    commercetools: Commercetools | None = None,
) -> Flask:
    settings = (settings or read_settings()).require(*REQUIRED_SETTINGS)
    commercetools = commercetools or Commercetools(settings.commercetools)
    providers = providers or Providers.from_settings(settings, commercetools)
    document = openapi.document(providers.names, metrics_protected=operations_auth(settings) is not None)
    app = create_service_app("notification", settings, document)
    notifications = Notifications(providers, commercetools, settings.provider_timeout)
    app.register_blueprint(notifications_blueprint(notifications))
    return app
