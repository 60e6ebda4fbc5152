"""Builders of commercetools objects as the API represents them."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from connector.providers.nexway.examples import (
    session_request as nexway_session_request,  # noqa: F401 - for the tests
)
from connector.providers.nuvei.signature import dmn_checksum
from connector.providers.paynova.examples import (
    session_request as paynova_session_request,  # noqa: F401 - for the tests
)
from connector.providers.paynova.signature import event_digest

# A payment id as commercetools makes them (a UUID).
PAYMENT_ID = "5e3c7c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b"

# The id commercetools gave the connector-payment type, in tests.
CONNECTOR_TYPE_ID = "0a0b0c0d-connector-payment"

# The Basic credentials of the `settings` fixture, as commercetools sends them.
EXTENSION_AUTH = {"Authorization": "Basic " + base64.b64encode(b"commercetools:extension-secret-value").decode()}


def payment_json(
    *,
    cent_amount: int = 1999,
    currency: str = "EUR",
    fraction_digits: int | None = 2,
    interface: str | None = "nuvei",
    session_request: dict | str | None = None,
    custom_fields: dict[str, Any] | None = None,
    transactions: list[dict] | None = None,
    interface_id: str | None = None,
    status_code: str | None = None,
    version: int = 1,
    custom_type_id: str = CONNECTOR_TYPE_ID,
) -> dict[str, Any]:
    """A payment as commercetools represents it."""
    amount = {"type": "centPrecision", "centAmount": cent_amount, "currencyCode": currency}
    if fraction_digits is not None:
        amount["fractionDigits"] = fraction_digits
    payment: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "version": version,
        "createdAt": "2026-11-24T10:00:00.000Z",
        "lastModifiedAt": "2026-11-24T10:00:00.000Z",
        "amountPlanned": amount,
        "paymentMethodInfo": {"paymentInterface": interface} if interface else {},
        "paymentStatus": {"interfaceCode": status_code} if status_code else {},
        "transactions": transactions or [],
        "interfaceInteractions": [],
    }
    fields = dict(custom_fields or {})
    if session_request is not None:
        fields["sessionRequest"] = session_request if isinstance(session_request, str) else json.dumps(session_request)
    if fields:
        payment["custom"] = {"type": {"typeId": "type", "id": custom_type_id}, "fields": fields}
    if interface_id:
        payment["interfaceId"] = interface_id
    return payment


def extension_call(payment: dict[str, Any], action: str = "Create") -> dict[str, Any]:
    """The body of commercetools' call to the extension about a payment."""
    return {"action": action, "resource": {"typeId": "payment", "id": payment["id"], "obj": payment}}


def transaction_json(type_: str = "Authorization", state: str = "Success", interaction_id: str = "T-1") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "state": state,
        "interactionId": interaction_id,
        "amount": {"type": "centPrecision", "centAmount": 1999, "currencyCode": "EUR", "fractionDigits": 2},
    }


def signed_dmn(payment_id: str = "payment-1", secret: str = "nuvei-secret-value", **overrides) -> dict[str, str]:
    """A Nuvei DMN for an approved authorization, with its advanceResponseChecksum."""
    fields = {
        "clientUniqueId": payment_id,
        "TransactionID": "711",
        "PPP_TransactionID": "9",
        "transactionType": "Auth",
        "Status": "APPROVED",
        "ppp_status": "OK",
        "totalAmount": "19.99",
        "currency": "EUR",
        "responseTimeStamp": "2026-11-24.13:36:28",
        "productId": "",
        **overrides,
    }
    fields["advanceResponseChecksum"] = dmn_checksum(fields, secret)
    return fields


def type_json(
    type_id: str = CONNECTOR_TYPE_ID, field_names=("sessionRequest", "sessionToken", "redirectUrl", "sessionResponse")
) -> dict:
    """A custom type for payments as commercetools represents it."""
    return {
        "id": type_id,
        "version": 1,
        "key": f"type-{type_id}",
        "name": {"en": "a payment type"},
        "resourceTypeIds": ["payment"],
        "fieldDefinitions": [
            {
                "name": name,
                "label": {"en": name},
                "required": False,
                "type": {"name": "String"},
                "inputHint": "SingleLine",
            }
            for name in field_names
        ],
        "createdAt": "2026-11-24T10:00:00.000Z",
        "lastModifiedAt": "2026-11-24T10:00:00.000Z",
    }


# Alike in shape to signed_dmn, on purpose: each provider's own fields and signature.
def signed_paynova_event(secret: str = "paynova-secret-value", **fields) -> dict[str, str]:
    """A Paynova PAYMENT event hook notification (AUTHORIZED, 19.99 EUR) with its DIGEST."""
    event = {
        "EVENT_TYPE": "PAYMENT",
        "EVENT_TIMESTAMP": "2026-11-24 13:36:28Z",
        "DELIVERY_TIMESTAMP": "2026-11-24 13:36:29Z",
        "MERCHANT_ID": "4999",
        "ORDER_ID": "30c8d09b-28c6-4246-b4d4-a3b000e181c7",
        "ORDER_NUMBER": "payment-1",
        "SESSION_ID": "775e3b3b-ff40-4078-bdee-a33900e22164",
        "PAYMENT_STATUS": "AUTHORIZED",
        "PAYMENT_STATUS_REASON": "NONE",
        "AMOUNT": "19.99",
        "CURRENCY_CODE": "EUR",
        "TRANSACTION_ID": "201405281543270574",
        **fields,
    }
    event["DIGEST"] = event_digest(event, secret)
    return event


def nexway_order_event(type_: str = "completed", **order) -> dict:
    """A Nexway order event (the notification's JSON body) about order 7001 of payment-1,
    the order in the status the event names, the shopper's email in it as Nexway sends it."""
    return {
        "subject": "order",
        "type": type_,
        "objectId": "7001",
        "eventDate": "2026-11-24T14:00:00Z",
        "order": {
            "id": "7001",
            "status": type_.upper(),
            "partnerOrderNumber": "payment-1",
            "currency": "EUR",
            "user": {"email": "shopper@example.test"},
            **order,
        },
    }
