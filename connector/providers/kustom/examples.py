"""A storefront's sessionRequest for Kustom, as the OpenAPI document shows it; Kustom
(and the local sandbox) accepts it for an active customer token."""

from __future__ import annotations

import copy
from typing import Any

# The customer token the document's example charges; the local sandbox holds it once
# asked to (POST /_sandbox/tokens {"customer_token": ...}).
CUSTOMER_TOKEN = "0b1d9815-165e-42e2-8867-35bc03789e00"

# A basket of 19.99 (1999 minor units) with 25 % tax: two shoes, a discount, shipping.
# The shipping line's exact tax is 99.8; Kustom accepts any total_tax_amount within ±1.
BASKET_LINES = (
    {
        "type": "physical", "reference": "SHOE-42", "name": "Running shoe", "quantity": 2, "quantity_unit": "pcs",
        "unit_price": 1000, "tax_rate": 2500, "total_amount": 2000, "total_discount_amount": 0, "total_tax_amount": 400,
    },
    {
        "type": "discount", "reference": "SPRING", "name": "Spring discount", "quantity": 1,
        "unit_price": -500, "tax_rate": 2500, "total_amount": -500, "total_tax_amount": -100,
    },
    {
        "type": "shipping_fee", "name": "Shipping", "quantity": 1,
        "unit_price": 499, "tax_rate": 2500, "total_amount": 499, "total_tax_amount": 100,
    },
)  # fmt: skip
BASKET_TOTAL = 1999
BASKET_TAX = 400
CONFIRMATION_URL = "https://shop.example.test/confirmation?order={checkout.order.id}"


def session_request(customer_token: str = CUSTOMER_TOKEN, **overrides) -> dict[str, Any]:
    """A storefront's Kustom sessionRequest for the basket, charging `customer_token`."""
    return {
        "customerToken": customer_token,
        "order_lines": copy.deepcopy(list(BASKET_LINES)),
        "merchant_urls": {"confirmation": CONFIRMATION_URL},
        **overrides,
    }
