"""The extension calls the OpenAPI document shows: a payment Create for each provider, as
commercetools sends it, of 19.99 EUR with a sessionRequest the provider's test account
accepts (tests/e2e/test_fuzzing.py has the local stack open a session for each)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connector.providers import REGISTRY

# A payment id as commercetools makes them (a UUID).
PAYMENT_ID = "9d2f6c1e-7b3a-4e58-a1c4-2f8e5d0b6a73"
# Stands for the id commercetools gave the project's connector-payment type (python -m
# deploy setup creates it); each project has its own.
PAYMENT_TYPE_ID = "c4a1e2d3-0f5b-4c6d-8e7f-connector-payment"


def payment(
    interface: str,
    session_request: Mapping[str, Any] | None = None,
    payment_type_id: str | None = PAYMENT_TYPE_ID,
    payment_id: str = PAYMENT_ID,
) -> dict[str, Any]:
    """A new 19.99 EUR payment as commercetools sends it to the extension; a sessionRequest
    comes in its connector-payment custom fields."""
    obj: dict[str, Any] = {
        "id": payment_id,
        "version": 1,
        "amountPlanned": {"type": "centPrecision", "currencyCode": "EUR", "centAmount": 1999, "fractionDigits": 2},
        "paymentMethodInfo": {"paymentInterface": interface, "method": "card"},
        "paymentStatus": {},
        "transactions": [],
        "interfaceInteractions": [],
    }
    if session_request is not None:
        fields = {"sessionRequest": json.dumps(session_request)}
        obj["custom"] = {"type": {"typeId": "type", "id": payment_type_id}, "fields": fields}
    return obj


def payment_create(payment: Mapping[str, Any]) -> dict[str, Any]:
    """commercetools' extension call for a payment Create."""
    return {"action": "Create", "resource": {"typeId": "payment", "id": payment["id"], "obj": payment}}


def openapi_examples() -> dict[str, dict[str, Any]]:
    """An OpenAPI Example Object for each provider."""
    return {
        name: {
            "summary": f"A {name} payment Create",
            "description": f"custom.type.id ({PAYMENT_TYPE_ID}) stands for the id of the project's connector-payment type.",
            "value": payment_create(payment(name, provider.example_session_request)),
        }
        for name, provider in sorted(REGISTRY.items())
    }
