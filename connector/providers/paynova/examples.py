"""A storefront's sessionRequest for Paynova, as the OpenAPI document shows it; Paynova's
test account (and the local sandbox) accepts it."""

from __future__ import annotations

from decimal import Decimal


def session_request(total: str = "19.99", **overrides) -> dict:
    """A storefront's sessionRequest for a Paynova payment of `total`: one line, 25 % VAT."""
    net = Decimal(total) / Decimal("1.25")
    line = {
        "id": "1",
        "articleNumber": "SKU-1",
        "name": "Organic T-shirt",
        "quantity": 1,
        "unitMeasure": "pcs",
        "unitAmountExcludingTax": f"{net:f}",
        "taxPercent": 25,
        "totalLineTaxAmount": f"{Decimal(total) - net:f}",
        "totalLineAmount": total,
    }
    return {
        "lineItems": [line],
        "billTo": {
            "name": {"firstName": "Sven", "lastName": "Svensson"},
            "address": {"street1": "Gatan 1", "city": "Stockholm", "postalCode": "11122", "countryCode": "SE"},
        },
        "interfaceOptions": {
            "customerLanguageCode": "SWE",
            "urlRedirectSuccess": "https://shop.example.test/paid",
            "urlRedirectCancel": "https://shop.example.test/cancelled",
        },
        **overrides,
    }
