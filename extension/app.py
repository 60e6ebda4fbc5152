"""The extension service's app factory."""

from __future__ import annotations

from flask import Flask

from connector.ctp import Commercetools
from connector.providers import Providers, read_settings
from connector.settings import Settings
from connector.web import BasicAuth, create_service_app

from . import openapi
from .endpoint import ExtensionEndpoint
from .modifications import Modifications
from .open_order import OpenOrder
from .routes import open_order_blueprint
from .sessions import CustomTypeFields, Sessions

# Checked at start-up besides commercetools' settings (the Kubernetes test reads them too).
REQUIRED_SETTINGS = ("EXTENSION_USERNAME", "EXTENSION_PASSWORD", "NOTIFICATION_PUBLIC_URL")


def create_app(
    settings: Settings | None = None,
    *,
    providers: Providers | None = None,
    commercetools: Commercetools | None = None,
) -> Flask:
    """Builds the service once per process: settings checked, clients and pools made."""
    settings = (settings or read_settings()).require(*REQUIRED_SETTINGS)
    app = create_service_app("extension", settings, openapi.document())
    auth = BasicAuth(*settings.extension_credentials())
    commercetools = commercetools or Commercetools(settings.commercetools)
    providers = providers or Providers.from_settings(settings, commercetools)
    sessions = Sessions(providers, settings.provider_timeout, CustomTypeFields(commercetools))
    modifications = Modifications(providers, settings.provider_timeout)
    app.register_blueprint(open_order_blueprint(OpenOrder(sessions, commercetools), auth))
    app.wsgi_app = ExtensionEndpoint(app.wsgi_app, sessions, modifications, auth)  # type: ignore[method-assign]
    return app
