"""Pure translations between commercetools payments and Kustom's orders, answers and
notifications."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from marshmallow import ValidationError

from ... import session_request
from ...errors import InvalidInput, InvalidNotification, OperationNotPossible, ProviderUnavailable
from ...modifications import CANCEL, CHARGE, REFUND, Balance, Modification
from ...money import Money, minor_units
from ...payment import Payment
from ...redaction import redact
from ...status_words import StatusTable, StatusWords, same_status, unknown_status_text
from ..base import Event, Interaction, ModificationCall, ModificationResult, Notification, Session, TransactionChange
from .client import Charge, OrderChange, OrderChanged, error_text
from .schemas import FraudDecisionSchema, OrderSchema, PushSchema, SessionRequestSchema, tax_total

# Kustom replaces this placeholder in merchant_urls.push with the order's id.
ORDER_ID_PLACEHOLDER = "{checkout.order.id}"
# Keeps the idempotency keys of this connector apart from any other use of UUIDv5.
_IDEMPOTENCY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://api.kustom.co/customer-token/v1/order")

# fraud_status in a charge answer and in order management. ACCEPTED_AFTER_REVIEW,
# REJECTED_AFTER_REVIEW and STOPPED come from Klarna's order management, which Kustom
# forked (inferred). Anything else waits for Kustom's decision: Pending.
FRAUD_STATES = StatusTable(
    {
        "ACCEPTED": "Success",
        "ACCEPTED_AFTER_REVIEW": "Success",
        "PENDING": "Pending",
        "REJECTED": "Failure",
        "REJECTED_AFTER_REVIEW": "Failure",
        "STOPPED": "Failure",
    }
)
# Orders that ended without money: their authorization failed, whatever the fraud check.
CANCELLED, EXPIRED = "CANCELLED", "EXPIRED"
ENDED_ORDER_STATUSES = StatusWords((CANCELLED, EXPIRED))
# The order fields kept in the payment's log (with the captures' and refunds' ids and
# amounts); addresses and customer data stay out.
LOGGED_ORDER_FIELDS = (
    "order_id", "status", "fraud_status", "order_amount", "captured_amount", "refunded_amount",
    "remaining_authorized_amount", "purchase_currency", "merchant_reference1",
)  # fmt: skip

_SESSION_REQUEST = SessionRequestSchema()
_PUSH = PushSchema()
_FRAUD_DECISION = FraudDecisionSchema()
_ORDER = OrderSchema()


def idempotency_key(payment_id: str) -> str:
    """The Klarna-Idempotency-Key of a payment's charge: the same for every attempt, so
    that a retried extension call gets Kustom's first answer instead of a second charge."""
    return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, payment_id))


def push_url(notification_url: str) -> str:
    return f"{notification_url}?order_id={ORDER_ID_PLACEHOLDER}"


def order_request(payment: Payment, notification_url: str) -> tuple[str, dict[str, Any]]:
    """The customer token to charge and the order to create for a payment."""
    amount = payment.amount_planned
    owned = {
        "merchant_reference1": payment.id,
        "purchase_currency": amount.currency,
        "order_amount": _minor_units(amount, "amountPlanned.fractionDigits"),
    }
    push = push_url(notification_url)
    loaded = session_request.load(_SESSION_REQUEST, payment.session_request(), {**owned, "merchant_urls.push": push})
    lines_total = sum(line["total_amount"] for line in loaded["order_lines"])
    if lines_total != amount.cent_amount:
        raise InvalidInput.field(
            "sessionRequest.order_lines",
            f"the lines' total_amount add up to {lines_total}, amountPlanned.centAmount is {amount.cent_amount}",
        )
    customer_token = loaded.pop("customerToken")
    order = {
        **loaded,
        **owned,
        "order_tax_amount": tax_total(loaded["order_lines"]),
        "merchant_urls": {**loaded["merchant_urls"], "push": push},
    }
    return customer_token, order


def _minor_units(amount: Money, field: str) -> int:
    """The amount in Kustom's minor units, which are the currency's own: centAmount must
    be counted in them."""
    if amount.fraction_digits != minor_units(amount.currency):
        raise InvalidInput.field(field, f"must be {minor_units(amount.currency)} for {amount.currency} with Kustom")
    return amount.cent_amount


def declined_before(payment: Payment) -> bool:
    """Whether Kustom was already asked to charge this payment and declined: the decline
    is the Failure transaction recorded under the payment's idempotency key. (A charge
    that went through sets interfaceId and redirectUrl, which the extension checks.)"""
    return payment.transaction(idempotency_key(payment.id), "Authorization") is not None


def session(payment: Payment, request: Mapping[str, Any], charge: Charge) -> Session:
    interaction = Interaction("kustom.order", redact(request), redact(charge.answer))
    if charge.declined:
        return _declined(payment, charge.answer, interaction)
    answer = charge.answer
    fraud_status = answer.get("fraud_status")
    state, text = _fraud_state(fraud_status)
    authorization = TransactionChange("Authorization", state, answer["order_id"])
    transactions = [authorization]
    if request.get("auto_capture") and authorization.state == "Success":
        # Kustom captures an accepted order at once; a pending one is captured once it
        # is accepted, which the fraud decision's read-back reports (see event()).
        transactions.append(TransactionChange(CHARGE, "Success", answer["order_id"]))
    return Session(
        interface_id=answer["order_id"],
        redirect_url=answer.get("redirect_url"),
        response=redact(answer),
        status_code=fraud_status,
        status_text=text,
        transactions=tuple(transactions),
        interactions=(interaction,),
    )


def _declined(payment: Payment, error: Mapping[str, Any], interaction: Interaction) -> Session:
    """A declined charge is stored as a failed authorization. Kustom created no order,
    so the idempotency key stands in for its id."""
    return Session(
        interface_id=None,
        response=redact(error),
        status_code=error["error_code"],
        status_text=error_text(error),
        transactions=(TransactionChange("Authorization", "Failure", idempotency_key(payment.id)),),
        interactions=(interaction,),
    )


def _fraud_state(fraud_status: str | None) -> tuple[str, str | None]:
    """The authorization's state for a fraud_status, and the interfaceText of one the
    connector does not know (Kustom took the order: it waits for Kustom's decision)."""
    if not fraud_status:
        return "Pending", None
    state = FRAUD_STATES.get(fraud_status)
    if state is None:
        return "Pending", unknown_status_text("kustom", fraud_status)
    return state, None


def read_notification(notification: Notification) -> dict[str, Any]:
    """The order id and, for a fraud decision, its event type. A push has an empty
    body and the order id in its query; a fraud decision posts JSON to the same URL."""
    if notification.body.strip():
        decision = _load(_FRAUD_DECISION, notification.json(), "fraud decision")
        pushed_for = notification.query.get("order_id")
        if pushed_for is not None and pushed_for != decision["order_id"]:
            raise InvalidNotification(f"the decision is for order {decision['order_id']}, the URL for {pushed_for}")
        return decision
    return _load(_PUSH, notification.query, "push")


def read_order(answer: Mapping[str, Any], order_id: str) -> dict[str, Any]:
    """Kustom's order as the connector uses it; a malformed answer is Kustom's failure
    (503, so Kustom retries), a reference that is not a payment is the notification's."""
    try:
        order = _ORDER.load(answer)
    except ValidationError as error:
        raise ProviderUnavailable(
            "kustom", f"order {order_id} is malformed: {', '.join(sorted(error.messages))}"
        ) from None
    if order["order_id"] != order_id:
        raise ProviderUnavailable("kustom", f"asked for order {order_id}, got {order['order_id']}")
    if not order["merchant_reference1"]:
        raise InvalidNotification(f"order {order_id} has no merchant_reference1: it is not a payment of ours")
    return order


@dataclass(frozen=True)
class KustomFacts:
    """An event's facts (Event.facts): the order it is about, as Kustom answered for it."""

    order_id: str


def event(notification: Mapping[str, Any], order: Mapping[str, Any], kind: str | None = None) -> Event:
    """The Event for a notification about an order (or a read-back, `kind`), as read
    back from Kustom: the order's state, not the notification, decides. Its captures and
    refunds are Charges and Refunds under their own ids, so that the ones the extension
    recorded are found again and the ones made in Kustom's back office are added."""
    kind = kind or ("kustom.fraud_decision" if "event_type" in notification else "kustom.push")
    currency = order["purchase_currency"]
    fraud, unknown = _fraud_state(order["fraud_status"])
    transactions = [
        TransactionChange(
            "Authorization",
            _authorization_state(order, fraud),
            order["order_id"],
            Money.of(order["order_amount"], currency),
        ),
        *(
            TransactionChange(
                CHARGE, "Success", c["capture_id"], Money.of(c["captured_amount"], currency), c["captured_at"]
            )
            for c in order["captures"]
        ),
        *(
            TransactionChange(
                REFUND, "Success", r["refund_id"], Money.of(r["refunded_amount"], currency), r["refunded_at"]
            )
            for r in order["refunds"]
        ),
    ]
    released = _released(order, fraud)
    if released:
        # A cancellation has no id of its own: the order's, as the extension records it.
        transactions.append(TransactionChange(CANCEL, "Success", order["order_id"], Money.of(released, currency)))
    return Event(
        payment_id=order["merchant_reference1"],
        interaction=Interaction(kind, {**notification, "order": _logged(order)}),
        transactions=tuple(transactions),
        status_code=order["fraud_status"],
        status_text=unknown or order["status"],
        facts=KustomFacts(order["order_id"]),
    )


def _authorization_state(order: Mapping[str, Any], fraud: str) -> str:
    """An accepted order stays authorized when it is cancelled (the cancellation is a
    transaction of its own); other orders that ended without money failed."""
    if fraud == "Success" and same_status(order["status"], CANCELLED):
        return "Success"
    return "Failure" if order["status"] in ENDED_ORDER_STATUSES else fraud


def _released(order: Mapping[str, Any], fraud: str) -> int:
    """What an accepted order's authorization released without capturing it: all that
    was not captured, once the order is cancelled or its remaining authorization
    released (remaining_authorized_amount 0 on an order that did not expire)."""
    if fraud != "Success" or same_status(order["status"], EXPIRED):
        return 0
    if same_status(order["status"], CANCELLED) or order["remaining_authorized_amount"] == 0:
        return max(order["order_amount"] - order["captured_amount"], 0)
    return 0


def _logged(order: Mapping[str, Any]) -> dict[str, Any]:
    logged = {name: order[name] for name in LOGGED_ORDER_FIELDS if order.get(name) is not None}
    logged["captures"] = [
        {"capture_id": c["capture_id"], "captured_amount": c["captured_amount"]} for c in order["captures"]
    ]
    logged["refunds"] = [
        {"refund_id": r["refund_id"], "refunded_amount": r["refunded_amount"]} for r in order["refunds"]
    ]
    return logged


def with_checkout_capture(event: Event, payment: Payment) -> Event:
    """Kustom's capture at checkout (auto_capture) is recorded under the order id, as
    the charge answer names no capture: it is the order's first capture, which the
    read-back must not add a second time under the capture's own id."""
    order = order_id(event)
    first = next((change for change in event.transactions if change.type == CHARGE), None)
    if first is None or first.interaction_id == order or payment.transaction(order, CHARGE) is None:
        return event
    if payment.transaction(first.interaction_id, CHARGE) is not None:
        return event  # recorded under its own id as well: nothing to fit
    changes = tuple(
        replace(change, interaction_id=order) if change is first else change for change in event.transactions
    )
    return replace(event, transactions=changes)


def modification_call(payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
    """The order management call for a capture, refund or cancellation, with the
    commercetools transaction id as Klarna-Idempotency-Key (and as the capture's or
    refund's `reference`, which Kustom puts in its settlement files)."""
    if not payment.interface_id:
        raise OperationNotPossible("kustom", modification.field, "the payment has no Kustom order")
    cents = _minor_units(modification.amount, f"{modification.field}.fractionDigits")
    key = modification.transaction_id
    if modification.type == CHARGE:
        operation, action, body = "kustom.capture", "captures", {"captured_amount": cents, "reference": key}
    elif modification.type == REFUND:
        operation, action, body = "kustom.refund", "refunds", {"refunded_amount": cents, "reference": key}
    elif balance.charged:
        # Something is captured (or being captured): only the rest can be released.
        operation, action, body = "kustom.releaseRemainingAuthorization", "release-remaining-authorization", None
    else:
        operation, action, body = "kustom.cancel", "cancel", None
    change = OrderChange(payment.interface_id, action, body, key)
    return ModificationCall(operation, change, change.logged())


def modification_result(change: OrderChange, answer: OrderChanged) -> ModificationResult:
    """Kustom carries out captures, refunds and cancellations at once: done. A
    cancellation creates nothing of its own; its id is the order's."""
    return ModificationResult("Success", answer.answer, answer.created_id or change.order_id)


def order_id(event: Event) -> str:
    return event.facts_as(KustomFacts).order_id


def check_against(event: Event, payment: Payment) -> None:
    """merchant_reference1 is only a reference the order carries: the payment it names
    must be the one this order was created for."""
    if payment.interface_id != order_id(event):
        raise InvalidNotification(f"payment {payment.id} is not the payment of Kustom order {order_id(event)}")


def _load(schema, data: Any, what: str) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as error:
        raise InvalidNotification(
            f"the {what} lacks or has malformed fields: {', '.join(sorted(error.messages))}"
        ) from None
