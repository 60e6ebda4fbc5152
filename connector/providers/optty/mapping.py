"""Pure translations between commercetools payments and Optty's orders, answers and
webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError

from ... import session_request
from ...errors import InvalidInput, InvalidNotification, ProviderUnavailable
from ...money import AmountError, Money
from ...payment import Payment
from ...redaction import redact
from ..base import Event, Interaction, Session, TransactionChange
from .schemas import ORDER_EVENTS, OrderSchema, SessionRequestSchema, WebhookSchema

TRANSACTION_STATES = {
    "PENDING": "Pending",
    "SUCCESSFUL": "Success",
    "DECLINED": "Failure",
    "ERROR": "Failure",
    "CANCELED": "Failure",
    "CANCELLED": "Failure",
}
# The amounts that make up orderAmount besides the order items; absent means 0.
ADDED = ("shippingAmount", "taxAmount")
SUBTRACTED = ("discountAmount",)
CENT = Decimal("0.01")

_SESSION_REQUEST = SessionRequestSchema()
_WEBHOOK = WebhookSchema()
_ORDER = OrderSchema()


def order_request(payment: Payment, notification_url: str | None) -> dict[str, Any]:
    """The POST /orders body for a payment; InvalidInput names every bad field."""
    amount = order_amount(payment.amount_planned)
    owned = {
        "orderReference": payment.id,
        "purchaseCurrency": payment.amount_planned.currency,
        "orderAmount": amount,
        "dynamicCallbackUrl": notification_url,
    }
    order = session_request.load(_SESSION_REQUEST, payment.session_request(), owned)
    check_sum(order, amount)
    order.update(owned)
    return order


def order_amount(planned: Money) -> Decimal:
    """amountPlanned with the 2 decimals Optty takes; InvalidInput when it has finer digits."""
    if planned.cent_amount <= 0:
        raise InvalidInput.field("amountPlanned.centAmount", "must be greater than 0 for Optty")
    amount = planned.amount.quantize(CENT)
    if amount != planned.amount:
        raise InvalidInput.field("amountPlanned", f"{planned.decimal_text()} has more than the 2 decimals Optty takes")
    return amount


def check_sum(order: Mapping[str, Any], planned: Decimal) -> None:
    """Optty's rule: orderAmount = Σ orderItems.totalAmount + shippingAmount + taxAmount
    − discountAmount, and orderAmount is the payment's amountPlanned."""
    total = (
        sum((item["totalAmount"] for item in order["orderItems"]), Decimal(0))
        + sum((order.get(name, Decimal(0)) for name in ADDED), Decimal(0))
        - sum((order.get(name, Decimal(0)) for name in SUBTRACTED), Decimal(0))
    )
    if total != planned:
        raise InvalidInput.field(
            "sessionRequest.orderItems",
            f"the order items' totalAmount + shippingAmount + taxAmount - discountAmount add up to {total}, "
            f"not to amountPlanned {planned}",
        )


def session(request: Mapping[str, Any], answer: Mapping[str, Any]) -> Session:
    """A new order: the shopper goes to redirectUrl; the authorization is pending there."""
    return _session(
        answer,
        status_code=_pending_status(answer),
        transactions=(_authorization("Pending", answer),),
        interactions=(Interaction("optty.createOrder", redact(request), redact(answer)),),
    )


def reused_session(answer: Mapping[str, Any], held: Mapping[str, Any], auto_capture: bool) -> Session:
    """The order an earlier attempt created (its answer as recorded), with its status as
    Optty holds it now."""
    order = read_order(held)
    return _session(
        answer,
        # Still pending: the same status a new session writes.
        status_code=_pending_status(answer) if order["status"] == "PENDING" else order["status"],
        status_text=status_text(order),
        transactions=transactions(order, auto_capture),
        interactions=(Interaction("optty.getOrder", {"orderReference": order["merchantReference"]}, logged(held)),),
    )


def _session(answer: Mapping[str, Any], **details) -> Session:
    return Session(
        interface_id=str(answer["orderId"]),
        session_token=answer["orderToken"],
        redirect_url=answer["redirectUrl"],
        response=redact(answer),
        **details,
    )


def read_webhook(body: Any) -> dict[str, Any]:
    return _load(
        _WEBHOOK, body, lambda fields: InvalidNotification(f"the webhook lacks or has malformed fields: {fields}")
    )


def is_order_event(webhook: Mapping[str, Any]) -> bool:
    """Whether the webhook is about the order's payment (not e.g. a refund)."""
    return webhook["event"] in ORDER_EVENTS


def read_order(held: Mapping[str, Any]) -> dict[str, Any]:
    return _load(_ORDER, held, lambda fields: ProviderUnavailable("optty", f"an order answer with unusable {fields}"))


def event(webhook: Mapping[str, Any], held: Mapping[str, Any] | None, auto_capture: bool) -> Event:
    """What Optty holds (`held`, read back) decides; the webhook only says where to look.
    Without `held` (a webhook the connector does not act on) the event changes nothing."""
    reference = webhook["data"]["orderReference"]
    interaction = Interaction("optty.webhook", webhook, logged(held) if held is not None else None)
    if held is None:
        return Event(payment_id=reference, interaction=interaction)
    order = read_order(held)
    if order["merchantReference"] != reference:
        raise InvalidNotification(f"Optty answered for order {order['merchantReference']}, not {reference}")
    return Event(
        payment_id=reference,
        interaction=interaction,
        transactions=transactions(order, auto_capture),
        status_code=order["status"],
        status_text=status_text(order),
    )


def transactions(order: Mapping[str, Any], auto_capture: bool) -> tuple[TransactionChange, ...]:
    """The authorization in the order's state, and with autoCapture a successful order
    is charged too. A pending order restates what the session wrote, so it changes nothing."""
    state = TRANSACTION_STATES[order["status"]]
    try:
        amount = Money.parse(order["amount"], order["currency"])
    except AmountError as error:
        raise ProviderUnavailable("optty", f"order amount: {error}") from None
    changes = [_authorization(state, order, amount)]
    if state == "Success" and auto_capture:
        changes.append(TransactionChange("Charge", "Success", order["transactionReference"], amount))
    return tuple(changes)


def status_text(order: Mapping[str, Any]) -> str | None:
    if order.get("cancelledBy"):
        return f"cancelled by {order['cancelledBy']}"
    return order.get("failureReason") or None


def logged(held: Mapping[str, Any]) -> dict[str, Any]:
    """The documented fields of an order answer, for the payment's log; nothing else
    Optty may add (shopper details) goes into commercetools."""
    return {name: held[name] for name in _ORDER.fields if name in held}


def _pending_status(answer: Mapping[str, Any]) -> str:
    return answer.get("paymentStatus") or "pending"


def _authorization(state: str, order: Mapping[str, Any], amount: Money | None = None) -> TransactionChange:
    # transactionReference is in both the creation answer and GET /orders/{ref}, so the
    # read-back finds the transaction the session added.
    return TransactionChange("Authorization", state, str(order["transactionReference"]), amount)


def _load(schema: Schema, data: Any, error) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as invalid:
        raise error(", ".join(sorted(invalid.messages))) from None
