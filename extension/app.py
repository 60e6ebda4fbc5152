"""The extension service's app factory."""

from __future__ import annotations

from flask import Flask

from connector.configuration import Configuration, built_tenants, configured
from connector.ctp import Commercetools
from connector.providers import Providers
from connector.settings import Settings
from connector.web import BasicAuth, create_service_app, guard

from . import openapi
from .endpoint import ExtensionEndpoint, ExtensionTenant
from .modifications import Modifications
from .open_order import OpenOrder
from .routes import open_order_blueprint
from .sessions import CustomTypeFields, Sessions

# Checked at start-up besides commercetools' settings (the Kubernetes test reads them too).
REQUIRED_SETTINGS = ("EXTENSION_USERNAME", "EXTENSION_PASSWORD", "NOTIFICATION_PUBLIC_URL")


# The same parameters as notification.create_app's: tests make either service alike.
def create_app(
    settings: Settings | None = None,
    *,
    providers: Providers | None = None,
    commercetools: Commercetools | None = None,
    configuration: Configuration | None = None,
) -> Flask:
    """Builds the service once per process: the configuration checked, each tenant's
    commercetools client, providers (one client per provider account, shared by the
    tenants that use it) and services made. `settings` stand for a single tenant;
    `providers` and `commercetools` replace what is made (tests)."""
    configuration = (configuration or configured(settings)).require(*REQUIRED_SETTINGS)
    deployment = configuration.deployment
    app = create_service_app("extension", deployment.log_level, guard(configuration.operations), openapi.document())
    tenants = {}
    for built in built_tenants(configuration, providers, commercetools):
        sessions = Sessions(built.providers, deployment.provider_timeout, CustomTypeFields(built.commercetools))
        tenants[built.tenant.name] = ExtensionTenant(
            sessions,
            Modifications(built.providers, deployment.provider_timeout),
            OpenOrder(sessions, built.commercetools),
            BasicAuth(*built.tenant.settings.extension_credentials()),
        )
    app.register_blueprint(open_order_blueprint(tenants))
    app.wsgi_app = ExtensionEndpoint(app.wsgi_app, tenants)  # type: ignore[method-assign]
    return app
