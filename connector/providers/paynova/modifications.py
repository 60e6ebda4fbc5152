"""Paynova's finalize, annul and refund, for a merchant's Charge, CancelAuthorization and
Refund: which Paynova transaction each concerns, the call, and what Paynova's answer
means for the commercetools transaction.

- finalize and annul name the authorization: the TRANSACTION_ID of the payment's
  Authorization (its interactionId, from Paynova's AUTHORIZED event).
- refund names a finalized transaction: a Charge's interactionId (the transactionId a
  finalize answered, or the TRANSACTION_ID of a COMPLETED event). Paynova refunds one
  finalized transaction per call, so the refund goes to the first Charge that has enough
  left, counting the payment's earlier refunds against its Charges in order.
- invoiceId, the commercetools transaction id, goes in the body of finalize and refund:
  Paynova takes it there (its REST reference; the seed does not show these calls, so the
  body is inferred), and it is the idempotency key of the contract. annul takes none.
- Amounts are decimal text with the currency's digits, in the path (19.99, 1000 for JPY).
- No line items are sent: Paynova wants them for a partial amount of an invoice payment
  method only (the hosted card page needs none); an invoice method's refusal is a
  Failure with Paynova's reason.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ...errors import OperationNotPossible
from ...modifications import CANCEL, CHARGE, REFUND, Balance, Modification, authorization_id, charges_left
from ...payment import Payment
from ...redaction import redact
from ...status_words import StatusWords, same_status
from ..base import ModificationCall, ModificationResult
from .client import ModificationRequest, refusal

OPERATIONS = {CHARGE: "finalize", CANCEL: "annul", REFUND: "refund"}
# An annul that Paynova refuses because the authorization is annulled already (inferred
# statusKey, as the sandbox answers it): what a retry gets after the first annul's
# answer was lost. The cancellation is done, and was done once.
ALREADY_ANNULLED = StatusWords(["ALREADY_ANNULLED"])
# The answer's amount still waiting at Paynova (finalize, refund): more than 0 means the
# operation is accepted and not done yet.
PENDING_AMOUNTS = {"finalize": "totalAmountPendingFinalization", "refund": "totalAmountPendingRefund"}


def call(payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
    """The Paynova call for a modification the amount rules allowed; OperationNotPossible
    when the payment records no Paynova transaction it could concern."""
    order_id = payment.interface_id
    if not order_id:
        raise OperationNotPossible("paynova", modification.field, "the payment has no Paynova order")
    operation = OPERATIONS[modification.type]
    about = (
        _finalized(payment, modification, balance) if operation == "refund" else _authorization(payment, modification)
    )
    body = {} if operation == "annul" else {"invoiceId": modification.transaction_id}
    request = ModificationRequest(operation, order_id, about, modification.amount.decimal_text(), body)
    logged = {"orderId": order_id, "transactionId": about, "totalAmount": request.total_amount, **body}
    return ModificationCall(f"paynova.{operation}", request, logged)


def _authorization(payment: Payment, modification: Modification) -> str:
    """The TRANSACTION_ID of the payment's (latest) successful Authorization."""
    found = authorization_id(payment)
    if found is None:
        raise OperationNotPossible("paynova", modification.field, "the payment records no Paynova authorization")
    return found


def _finalized(payment: Payment, modification: Modification, balance: Balance) -> str:
    """The finalized transaction a refund goes to: the first successful Charge in the
    payment's currency with enough left, the payment's refunds (those before this one
    included) counted against those Charges in order."""
    for charge_id, left in charges_left(payment, balance, payment.amount_planned.currency):
        if left >= modification.amount.cent_amount:
            return charge_id
    raise OperationNotPossible(
        "paynova",
        modification.field,
        f"Paynova refunds one finalized transaction at a time, and none of the payment's captures has "
        f"{modification.amount.decimal_text()} {modification.amount.currency} left to refund",
    )


def result(request: ModificationRequest, answer: dict[str, Any]) -> ModificationResult:
    """What Paynova's answer means: done (Success), accepted and not done yet (Pending),
    or a refusal (raised, recorded as Failure). "Already annulled" to an annul is done."""
    status = answer["status"]
    logged = redact(answer)
    if status["isSuccess"] is True:
        return ModificationResult(_state(request.operation, answer), logged, _interaction_id(request, answer))
    if request.operation == "annul" and status.get("statusKey") in ALREADY_ANNULLED:
        return ModificationResult("Success", logged, request.order_id)
    raise refusal(status)


def _state(operation: str, answer: dict[str, Any]) -> str:
    """Success when Paynova says SUCCESS with nothing left pending; any other status of
    an accepted call, or an amount still pending, is Pending (its event settles it)."""
    pending_field = PENDING_AMOUNTS.get(operation)  # an annul has none
    pending = pending_field is not None and _pending(answer.get(pending_field))
    done = same_status(answer["status"].get("statusKey"), "SUCCESS") and not pending
    return "Success" if done and (operation == "annul" or _id(answer)) else "Pending"


def _pending(amount: Any) -> bool:
    if amount is None:
        return False
    try:
        return Decimal(str(amount)) != 0
    except InvalidOperation:
        return True  # unreadable: not known to be done


def _interaction_id(request: ModificationRequest, answer: dict[str, Any]) -> str | None:
    """finalize and refund: Paynova's transactionId for them. An annulment has no id of
    its own: the order's (the contract's rule for such cancellations)."""
    return request.order_id if request.operation == "annul" else _id(answer)


def _id(answer: dict[str, Any]) -> str | None:
    transaction_id = answer.get("transactionId")
    return str(transaction_id) if transaction_id not in (None, "") else None
