"""The notification service's OpenAPI document: one path per provider this deployment
configures, with the body that provider's notifications carry. A provider it does not
configure is left out: its notifications are refused (503) until it is configured."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector.openapi import MESSAGE, add_operations_endpoints, add_path_and_tenant_path, json_response, new_spec
from connector.providers import REGISTRY
from connector.providers.base import Provider

from .schemas import NotificationStatusSchema

RESPONSES = {
    "200": json_response("Applied, or already applied before", NotificationStatusSchema),
    "400": json_response("Malformed, or for an unknown payment", MESSAGE),
    "401": json_response("Not authentic; nothing was read or written", MESSAGE),
    "503": json_response("Could not be applied now; retry later", MESSAGE),
}
UNKNOWN_TENANT = json_response("No such tenant; nothing was read or written", MESSAGE)
# A notification sent by GET carries its fields in the request line, which gunicorn
# refuses (its own HTML page) past limit_request_line, before the service sees it.
REQUEST_LINE_TOO_LONG = {
    "description": "The request line (path and query) is longer than the server accepts",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def document(providers: Iterable[str], metrics_protected: bool) -> dict:
    """The document of a service that receives the notifications of `providers`."""
    spec = new_spec(
        "Payment connector: notification service",
        "Provider notifications, checked for authenticity and written onto commercetools payments.",
    )
    for name in sorted(providers):
        add_path_and_tenant_path(spec, f"/notifications/{name}", _operations(REGISTRY[name]), UNKNOWN_TENANT)
    add_operations_endpoints(spec, protected=metrics_protected)
    return spec.to_dict()


def _operations(provider: type[Provider]) -> dict:
    operations: dict[str, dict[str, Any]] = {}
    summary = f"A {provider.name} notification."
    if "POST" in provider.notification_methods:
        body = {
            "content": {
                provider.notification_media_type: {"schema": provider.notification_schema or {"type": "object"}}
            }
        }
        operations["post"] = {"summary": summary, "requestBody": body, "responses": RESPONSES}
    if "GET" in provider.notification_methods:
        parameters = [{"in": "query", "schema": provider.notification_schema}] if provider.notification_schema else []
        operations["get"] = {
            "summary": summary + " (fields in the query)",
            "parameters": parameters,
            "responses": {**RESPONSES, "414": REQUEST_LINE_TOO_LONG},
        }
    return operations
