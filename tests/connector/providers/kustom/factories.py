"""Kustom inputs as a storefront sends them and answers as Kustom gives them."""

from __future__ import annotations

import copy
from typing import Any

from connector.payment import Payment
from connector.providers.kustom.examples import BASKET_LINES, BASKET_TAX, BASKET_TOTAL, CONFIRMATION_URL  # noqa: F401 - for the tests
from connector.providers.kustom.examples import session_request as kustom_request
from tests.factories import payment_json


def basket_lines() -> list[dict[str, Any]]:
    return copy.deepcopy(list(BASKET_LINES))


def kustom_payment(**fields) -> Payment:
    """A Kustom payment for the basket, as the extension receives it."""
    return Payment.from_json(
        payment_json(interface="kustom", cent_amount=BASKET_TOTAL, session_request=kustom_request(), **fields)
    )


def order_answer(order_id: str = "ord-1", fraud_status: str = "ACCEPTED") -> dict[str, Any]:
    """Kustom's 200 answer to a charge."""
    return {
        "order_id": order_id,
        "fraud_status": fraud_status,
        "redirect_url": f"https://api.playground.kustom.co/redirect/{order_id}",
        "authorized_payment_method": {"type": "invoice", "number_of_days": 14},
    }


def decline(error_code: str = "PAYMENT_METHOD_FAILED") -> dict[str, Any]:
    """Kustom's error body."""
    return {
        "error_code": error_code,
        "error_messages": ["The payment method was declined"],
        "correlation_id": "corr-k-1",
    }


def managed_order(
    payment_id: str, order_id: str = "ord-1", status: str = "AUTHORIZED", fraud_status: str = "ACCEPTED", **overrides
) -> dict[str, Any]:
    """An order as Kustom's order management answers it; a CAPTURED one captured at
    once (capture "cap-1"), unless `captures` says otherwise."""
    captures = [capture("cap-1", BASKET_TOTAL)] if status.upper() == "CAPTURED" else []
    captures = overrides.pop("captures", captures)
    refunds = overrides.pop("refunds", [])
    captured = sum(c["captured_amount"] for c in captures)
    return {
        "order_id": order_id,
        "status": status,
        "fraud_status": fraud_status,
        "order_amount": BASKET_TOTAL,
        "original_order_amount": BASKET_TOTAL,
        "captured_amount": captured,
        "refunded_amount": sum(r["refunded_amount"] for r in refunds),
        "remaining_authorized_amount": 0 if status.upper() in ("CANCELLED", "EXPIRED") else BASKET_TOTAL - captured,
        "captures": captures,
        "refunds": refunds,
        "purchase_currency": "EUR",
        "merchant_reference1": payment_id,
        "billing_address": {"given_name": "Adam", "family_name": "Andersson", "email": "adam@example.test"},
        **overrides,
    }


def capture(capture_id: str, amount: int, **fields) -> dict[str, Any]:
    """A capture as order management lists it."""
    return {
        "capture_id": capture_id,
        "captured_amount": amount,
        "captured_at": "2026-11-24T10:00:00Z",
        "klarna_reference": "K4MADNY-1",
        "refunded_amount": 0,
        **fields,
    }


def refund(refund_id: str, amount: int, **fields) -> dict[str, Any]:
    """A refund as order management lists it."""
    return {"refund_id": refund_id, "refunded_amount": amount, "refunded_at": "2026-11-25T10:00:00Z", **fields}
