"""A storefront's sessionRequest for Nexway, as the OpenAPI document shows it; Nexway's
test catalog (and the local sandbox) accepts it."""

from __future__ import annotations

from typing import Any


def session_request(product_ref: str = "1001", **overrides) -> dict[str, Any]:
    """A storefront's Nexway sessionRequest for one product at 19.99 EUR (16.66 + 20 % VAT)."""
    return {
        "customer": {
            "email": "shopper@example.test",
            "language": "fr_FR",
            "locationInvoice": {"firstName": "Camille", "lastName": "Martin", "city": "Paris", "country": "FR"},
        },
        "orderLines": [
            {"productRef": product_ref, "quantity": 1, "amountDutyFree": 16.66, "vatRate": 20, "amountTotal": 19.99}
        ],
        **overrides,
    }
