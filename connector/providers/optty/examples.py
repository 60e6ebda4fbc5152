"""A storefront's sessionRequest for Optty, as the OpenAPI document shows it; Optty's
test account (and the local sandbox) accepts it."""

from __future__ import annotations

from typing import Any


def session_request(**overrides) -> dict[str, Any]:
    """A sessionRequest a storefront sends for a 19.99 EUR Optty payment: 2 × 8.00 +
    4.99 shipping − 1.00 discount."""
    shopper = {"firstName": "Jane", "lastName": "Doe", "email": "jane.doe@example.test", "phoneNumber": "+4930123456"}
    address = {**shopper, "streetAddress": "Hauptstraße 1", "city": "Berlin", "postalCode": "10115", "country": "DE"}
    return {
        "bnplProvider": "KLARNA",
        "purchaseCountry": "DE",
        "locale": "de_DE",
        "customer": shopper,
        "billingAddress": address,
        "shippingAddress": address,
        "orderItems": [{"name": "Striped shirt", "sku": "SHIRT-1", "quantity": 2, "unitPrice": 8, "totalAmount": 16}],
        "shippingAmount": 4.99,
        "discountAmount": 1,
        "dynamicRedirectUrl": "https://shop.example.test/checkout/return",
        **overrides,
    }
