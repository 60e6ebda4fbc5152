"""OpenAPI 3 documents generated from the marshmallow schemas that validate the input,
so the documents cannot drift from the code."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .tenants import NAME

VERSION = "1.0.0"

MESSAGE = {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}
HEALTH = {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}, "required": ["status"]}


def new_spec(title: str, description: str) -> APISpec:
    spec = APISpec(
        title=title,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": description},
    )
    spec.components.security_scheme("basicAuth", {"type": "http", "scheme": "basic"})
    spec.path(
        path="/health",
        operations={
            "get": {
                "summary": "Liveness: touches neither commercetools nor a provider.",
                "responses": {"200": json_response("Up", HEALTH)},
            }
        },
    )
    return spec


# A tenant's name in a URL (the deployment's tenants, README "Several projects").
TENANT = {
    "name": "tenant",
    "in": "path",
    "required": True,
    "description": "the tenant's name; the same path without it is the tenant default's",
    "schema": {"type": "string", "pattern": NAME.pattern},
}


def add_path_and_tenant_path(spec: APISpec, path: str, operations: dict[str, dict], unknown_tenant: dict) -> None:
    """`path` (the tenant default's) and `path`/{tenant}, whose operations may also answer
    `unknown_tenant` (404)."""
    spec.path(path=path, operations=operations)
    for_a_tenant = {
        method: {**operation, "responses": {**operation["responses"], "404": unknown_tenant}}
        for method, operation in operations.items()
    }
    spec.path(path=f"{path}/{{tenant}}", operations=for_a_tenant, parameters=[TENANT])


def add_operations_endpoints(spec: APISpec, protected: bool) -> None:
    """/metrics and /openapi.json, behind Basic auth when `protected`."""
    security: list[dict[str, list[str]]] = [{"basicAuth": []}] if protected else []
    unauthorized = {"401": json_response("Missing or wrong credentials", MESSAGE)} if protected else {}
    spec.path(
        path="/metrics",
        operations={
            "get": {
                "summary": "Prometheus metrics of every worker.",
                "security": security,
                "responses": {
                    "200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
                    **unauthorized,
                },
            }
        },
    )
    spec.path(
        path="/openapi.json",
        operations={
            "get": {
                "summary": "This document.",
                "security": security,
                "responses": {"200": json_response("OpenAPI 3 document", {"type": "object"}), **unauthorized},
            }
        },
    )


def json_response(description: str, schema: Any) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}
