"""The notification service's app factory."""

from __future__ import annotations

from flask import Flask

from connector.configuration import Configuration, built_tenants, configured
from connector.ctp import Commercetools
from connector.providers import Providers
from connector.settings import Settings
from connector.web import create_service_app, guard

from . import openapi
from .notifications import Notifications
from .routes import notifications_blueprint

# Checked at start-up besides commercetools' settings: none (the Kubernetes test reads this).
REQUIRED_SETTINGS: tuple[str, ...] = ()


# The same parameters as extension.create_app's: tests make either service alike.
def create_app(
    settings: Settings | None = None,
    *,
    providers: Providers | None = None,
    commercetools: Commercetools | None = None,
    configuration: Configuration | None = None,
) -> Flask:
    """Builds the service once per process: each tenant's commercetools client, providers
    (one client per provider account) and notifications service. `settings` stand for a
    single tenant; `providers` and `commercetools` replace what is made (tests)."""
    configuration = (configuration or configured(settings)).require(*REQUIRED_SETTINGS)
    deployment = configuration.deployment
    tenants = {
        built.tenant.name: Notifications(built.providers, built.commercetools, deployment.provider_timeout)
        for built in built_tenants(configuration, providers, commercetools)
    }
    configured_providers = {name for service in tenants.values() for name in service.providers.names}
    operations = guard(configuration.operations)
    document = openapi.document(configured_providers, metrics_protected=operations is not None)
    app = create_service_app("notification", deployment.log_level, operations, document)
    app.register_blueprint(notifications_blueprint(tenants))
    return app
