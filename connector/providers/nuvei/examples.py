"""A storefront's sessionRequest for Nuvei, as the OpenAPI document shows it; Nuvei's
test account (and the local sandbox) accepts it."""

from __future__ import annotations

from typing import Any


def session_request() -> dict[str, Any]:
    """A sessionRequest for a Nuvei payment (Nuvei needs none): the shopper, and where the
    checkout sends them back."""
    return {
        "userTokenId": "shopper-42",
        "billingAddress": {"firstName": "Jane", "lastName": "Doe", "email": "jane.doe@example.test", "country": "DE"},
        "urlDetails": {
            "successUrl": "https://shop.example.test/paid",
            "failureUrl": "https://shop.example.test/failed",
            "pendingUrl": "https://shop.example.test/pending",
        },
    }
