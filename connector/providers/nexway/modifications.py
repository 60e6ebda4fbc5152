"""Nexway's refund and cancellation: both are PUT /connect/order/cancel, which cancels the
whole order. Nexway charged when the order was placed, so there is no capture.

- Refund: the order completed (its Charge succeeded); cancelling it has Nexway refund
  the shopper. All of it at once.
- CancelAuthorization: the order is still waiting for Nexway's payment or fraud
  validation (its Charge is Pending, and the payment has no Authorization); cancelling
  it stops it. All of it at once.

The reason code is 2 ("cancelled"): commercetools says nothing about why the merchant
refunds or cancels, and the others (unsatisfied, double order, incompatible, fraud)
would each claim something the connector does not know. The comment names the
commercetools transaction, for the merchant's back office.

Nexway's answer: responseCode 0 means the order is cancelled: Success, with the order
number as the interactionId (the cancellation has no id of its own). Any other code may
mean the order is cancelled already: the first call's answer was lost and this is
commercetools' retry, or someone cancelled it in Nexway's back office. The order is read
back, and an order CANCELED is the Success of this cancellation (one cancellation, made
once); otherwise the code is a refusal, recorded as Failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import OperationNotPossible
from ...modifications import CANCEL, REFUND, Modification
from ...payment import Payment
from ...status_words import same_status
from ..base import ModificationCall, ModificationResult
from .client import refusal
from .mapping import public_answer

REASON_CANCELLED = 2
OPERATIONS = {REFUND: "nexway.refund", CANCEL: "nexway.cancel"}
CANCELED = "CANCELED"


@dataclass(frozen=True)
class Cancellation:
    order_number: str  # the payment's interfaceId
    body: dict[str, Any]  # PUT /connect/order/cancel's


def call(payment: Payment, modification: Modification) -> ModificationCall:
    if not payment.interface_id:
        raise OperationNotPossible("nexway", modification.field, "the payment has no Nexway order")
    body = {
        "partnerOrderNumber": payment.id,
        "reasonCode": REASON_CANCELLED,
        "comment": f"commercetools {modification.type} {modification.transaction_id}",
    }
    return ModificationCall(OPERATIONS[modification.type], Cancellation(payment.interface_id, body), body)


def cancelled(cancellation: Cancellation, answer: dict[str, Any]) -> ModificationResult | None:
    """The Success that Nexway's answer 0 means; None for another code."""
    if answer["responseCode"] != 0:
        return None
    return ModificationResult("Success", public_answer(answer), cancellation.order_number)


def cancelled_before(cancellation: Cancellation, refused: dict[str, Any], order: dict[str, Any]) -> ModificationResult:
    """After a refusal, the order as Nexway holds it: CANCELED is done, else the refusal
    stands (raised as ProviderRefused)."""
    response = {"cancel": public_answer(refused), "order": {"status": order.get("status")}}
    if same_status(order.get("status"), CANCELED):
        return ModificationResult("Success", response, cancellation.order_number)
    raise refusal(refused, orderStatus=order.get("status"))
