"""The extension service's OpenAPI document."""

from __future__ import annotations

from typing import Any

from connector.openapi import MESSAGE, add_operations_endpoints, add_path_and_tenant_path, json_response, new_spec
from connector.payment import PaymentSchema

from . import examples
from .schemas import (
    ExtensionActionsSchema,
    ExtensionErrorsSchema,
    ExtensionRequestSchema,
    FieldErrorsSchema,
    OpenOrderSchema,
    SessionTokenSchema,
)


def document() -> dict:
    spec = new_spec(
        "Payment connector: extension service",
        "commercetools' API Extension for payments, and Nuvei's standalone /openOrder.",
    )
    spec.components.schema("Payment", schema=PaymentSchema)
    security: list[dict[str, list[str]]] = [{"basicAuth": []}]
    extension: dict[str, Any] = {
        "summary": "commercetools' API Extension call for a payment Create or Update.",
        "security": security,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ExtensionRequestSchema, "examples": examples.openapi_examples()}
            },
        },
        "responses": {
            "200": json_response("Update actions for commercetools to apply", ExtensionActionsSchema),
            "400": json_response("commercetools' extension error body", ExtensionErrorsSchema),
            "401": json_response("Missing or wrong credentials", ExtensionErrorsSchema),
        },
    }
    open_order: dict[str, Any] = {
        "summary": "A Nuvei session token for an existing commercetools payment.",
        "security": security,
        "requestBody": {"required": True, "content": {"application/json": {"schema": OpenOrderSchema}}},
        "responses": {
            "200": json_response("The payment's session token", SessionTokenSchema),
            "400": json_response("Invalid input, each error naming its field", FieldErrorsSchema),
            "401": json_response("Missing or wrong credentials", MESSAGE),
            "503": json_response("commercetools could not be read; try again", MESSAGE),
        },
    }
    unknown_tenant = {
        "extension": json_response("No such tenant", ExtensionErrorsSchema),
        "openOrder": json_response("No such tenant", MESSAGE),
    }
    for name, operation in (("extension", extension), ("openOrder", open_order)):
        add_path_and_tenant_path(spec, f"/{name}", {"post": operation}, unknown_tenant[name])
    add_operations_endpoints(spec, protected=True)
    document = spec.to_dict()
    # The extension call's payment is read by PaymentSchema (after the envelope, so that
    # payments of other interfaces are not parsed at all); document it as such.
    document["components"]["schemas"]["Resource"]["properties"]["obj"] = {"$ref": "#/components/schemas/Payment"}
    return document
