"""Pure translations between commercetools payments and Optty's orders, answers and
webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError

from ... import session_request
from ...errors import InvalidInput, InvalidNotification, ProviderRefused, ProviderUnavailable
from ...modifications import CANCEL, CHARGE, REFUND, Modification
from ...money import AmountError, Money
from ...payment import Payment
from ...redaction import redact
from ...status_words import StatusTable, state_or_pending, unknown_status_text
from ..base import Event, Interaction, ModificationCall, ModificationResult, Session, TransactionChange
from .schemas import OrderSchema, SessionRequestSchema, WebhookSchema

# An order's status (GET /orders/{ref}) → the state of its Authorization. Optty spells
# the cancellation both ways. Another status is Pending until Optty reports a known one.
TRANSACTION_STATES = StatusTable(
    {
        "PENDING": "Pending",
        "SUCCESSFUL": "Success",
        "DECLINED": "Failure",
        "ERROR": "Failure",
        "CANCELED": "Failure",
        "CANCELLED": "Failure",
    }
)
# A capture's, refund's or void's status (refundStatus of a refund's answer, `status`
# of the order's lists): Optty writes the order's words; DECLINED, FAILED and ERROR are
# a refusal by the BNPL provider. Another word waits for Optty: Pending.
MOVEMENT_STATES = StatusTable(
    {
        "SUCCESSFUL": "Success",
        "SUCCESS": "Success",
        "PENDING": "Pending",
        "DECLINED": "Failure",
        "FAILED": "Failure",
        "ERROR": "Failure",
    }
)
# Where the order lists its captures, voids and refunds: the list, each entry's id, and
# the merchant's reference it may name (schemas.OrderSchema).
LISTED = {
    CHARGE: ("orderCaptures", "captureId", "captureReference"),
    CANCEL: ("orderVoids", "voidedId", "voidReference"),
    REFUND: ("refunds", "refundId", "refundReference"),
}
# Optty's autoCapture when an order does not say.
DEFAULT_AUTO_CAPTURE = True
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
    return _two_decimals(planned, "amountPlanned")


def _two_decimals(amount: Money, field: str) -> Decimal:
    """The amount as Optty takes it: a number with at most 2 decimals."""
    value = amount.amount.quantize(CENT)
    if value != amount.amount:
        raise InvalidInput.field(field, f"{amount.decimal_text()} has more than the 2 decimals Optty takes")
    return value


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
    return Session(
        interface_id=str(answer["orderId"]),
        session_token=answer["orderToken"],
        redirect_url=answer["redirectUrl"],
        response=redact(answer),
        status_code=answer.get("paymentStatus") or "pending",
        transactions=(_authorization("Pending", answer),),
        interactions=(Interaction("optty.createOrder", redact(request), redact(answer)),),
    )


def existing_session(
    order: Mapping[str, Any], sent: Mapping[str, Any], conflict: Mapping[str, Any], held: Mapping[str, Any]
) -> Session:
    """The order an earlier attempt for this payment created (its answer lost, say to a
    timeout), as GET /orders/{ref} answers it, used as a first answer would be: its
    token and redirect URL where Optty sends them, its status, its transactions. An
    order for another amount or currency is not this payment's: a refusal.

    `order` is the order this attempt asked for, `sent` the same as sent, `conflict`
    Optty's 409 answer."""
    found = read_order(held)
    reference = order["orderReference"]
    if found["merchantReference"] != reference:
        raise ProviderUnavailable("optty", f"asked for order {reference}, got {found['merchantReference']}")
    if (found["amount"], found["currency"]) != (order["orderAmount"], order["purchaseCurrency"]):
        raise ProviderRefused(
            "optty",
            code=str(conflict.get("statusCode", 409)),
            message=f"{conflict.get('message') or 'the order exists already'}: for {found['amount']} "
            f"{found['currency']}, not this payment's {order['orderAmount']} {order['purchaseCurrency']}",
            details={
                "orderReference": reference,
                "amount": str(found["amount"]),
                "currency": found["currency"],
                "status": found["status"],
            },
        )
    shown = logged(held)
    return Session(
        # Without an orderId, the reference by which Optty's API addresses the order.
        interface_id=found.get("orderId") or reference,
        session_token=found.get("orderToken"),
        redirect_url=found.get("redirectUrl"),
        response=shown,
        status_code=found["status"],
        status_text=status_text(found),
        transactions=captured(transactions(found), order["autoCapture"]),
        interactions=(
            Interaction("optty.createOrder", redact(sent), redact(conflict)),
            Interaction("optty.getOrder", {"orderReference": reference}, shown),
        ),
    )


def read_webhook(body: Any) -> dict[str, Any]:
    return _load(
        _WEBHOOK, body, lambda fields: InvalidNotification(f"the webhook lacks or has malformed fields: {fields}")
    )


def read_order(held: Mapping[str, Any]) -> dict[str, Any]:
    return _load(_ORDER, held, lambda fields: ProviderUnavailable("optty", f"an order answer with unusable {fields}"))


def event(webhook: Mapping[str, Any], held: Mapping[str, Any]) -> Event:
    """What Optty holds (`held`, read back) decides; the webhook only says where to look
    (an order's payment, or a refund: REFUND_CALLBACK). The Charge of a successful order
    depends on the payment: with_capture adds it."""
    return order_event(Interaction("optty.webhook", webhook, logged(held)), webhook["data"]["orderReference"], held)


def read_back_event(reference: str, held: Mapping[str, Any]) -> Event:
    """What Optty holds for a payment, for reconciliation: applied as a webhook's would be."""
    return order_event(Interaction("optty.readBack", {"orderReference": reference}, logged(held)), reference, held)


def order_event(interaction: Interaction, reference: str, held: Mapping[str, Any]) -> Event:
    order = read_order(held)
    if order["merchantReference"] != reference:
        raise InvalidNotification(f"Optty answered for order {order['merchantReference']}, not {reference}")
    return Event(
        payment_id=reference,
        interaction=interaction,
        transactions=transactions(order),
        status_code=order["status"],
        status_text=status_text(order),
    )


def transactions(order: Mapping[str, Any]) -> tuple[TransactionChange, ...]:
    """The order's Authorization in the order's state (a pending order restates what the
    session wrote, so it changes nothing), then its captures, voids and refunds, each
    under the id the extension recorded for it (see schemas.OrderSchema)."""
    currency = order["currency"]
    authorization = _authorization(TRANSACTION_STATES.get(order["status"], "Pending"), order, _money(order, currency))
    listed = (_movement(type_, entry, currency) for type_, (name, _, _) in LISTED.items() for entry in order[name])
    return (authorization, *listed)


def _movement(type_: str, entry: Mapping[str, Any], currency: str) -> TransactionChange:
    _, id_field, reference_field = LISTED[type_]
    # A refund's answer names no id of its own: the extension records its reference.
    recorded = (entry[reference_field] or entry[id_field]) if type_ == REFUND else entry[id_field]
    state = movement_state(entry["status"], type_)
    return TransactionChange(type_, state, recorded, _money(entry, entry["currency"] or currency), entry["createdAt"])


def movement_state(word: str | None, type_: str) -> str:
    """The state of a capture, refund or void as Optty words it; none said is done, a
    word the connector does not know is Pending."""
    if word is None:
        return "Success"
    return state_or_pending(MOVEMENT_STATES, word, "optty", type_)


def _money(entry: Mapping[str, Any], currency: str) -> Money:
    try:
        return Money.parse(entry["amount"], currency)
    except AmountError as error:
        raise ProviderUnavailable("optty", f"amount: {error}") from None


def captured(transactions: tuple[TransactionChange, ...], auto_capture: bool) -> tuple[TransactionChange, ...]:
    """With autoCapture, Optty captures a successful order at once: its Charge beside
    the Authorization (same transactionReference and amount)."""
    if not auto_capture:
        return transactions
    charges = tuple(
        replace(t, type="Charge") for t in transactions if (t.type, t.state) == ("Authorization", "Success")
    )
    return transactions + charges


def with_capture(event: Event, payment: Payment) -> Event:
    """The event with the Charge of a successful order whose payment asked for
    autoCapture."""
    charged = captured(event.transactions, requested_auto_capture(payment))
    return replace(event, transactions=charged) if charged != event.transactions else event


def requested_auto_capture(payment: Payment) -> bool:
    """The autoCapture the connector asked Optty for: the payment's sessionRequest says
    it (Optty's default true when it does not). Optty's captureStatus values are not
    documented (inferred)."""
    try:
        requested = payment.session_request().get("autoCapture", DEFAULT_AUTO_CAPTURE)
    except InvalidInput:  # changed since the order was made; Optty's default stands
        return DEFAULT_AUTO_CAPTURE
    return requested if isinstance(requested, bool) else DEFAULT_AUTO_CAPTURE


def status_text(order: Mapping[str, Any]) -> str | None:
    if order["status"] not in TRANSACTION_STATES:
        return unknown_status_text("optty", order["status"])
    if order.get("cancelledBy"):
        return f"cancelled by {order['cancelledBy']}"
    return order.get("failureReason") or None


def logged(held: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the connector reads from an order answer, for the payment's log;
    nothing else Optty may add (shopper details) goes into commercetools."""
    return {name: held[name] for name in _ORDER.fields if name in held}


def _authorization(state: str, order: Mapping[str, Any], amount: Money | None = None) -> TransactionChange:
    # transactionReference is in both the creation answer and GET /orders/{ref}, so the
    # read-back finds the transaction the session added.
    return TransactionChange("Authorization", state, str(order["transactionReference"]), amount)


def _load(schema: Schema, data: Any, error) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as invalid:
        raise error(", ".join(sorted(invalid.messages))) from None


# -- Capture, refund and void ------------------------------------------------------------

# The call per transaction type; its reference is the commercetools transaction id, and
# the id Optty answers with (where it answers one) is the answer's.
ACTIONS = {CHARGE: "capture", CANCEL: "void", REFUND: "refund"}


@dataclass(frozen=True)
class OrderChange:
    """A capture, void or refund to post: `body` holds Decimal amounts (JSON numbers)."""

    order_reference: str
    type: str  # the transaction type
    reference: str  # captureReference, voidReference, refundReference
    body: Mapping[str, Any]

    @property
    def action(self) -> str:
        """capture, void, refund: the call's path."""
        return ACTIONS[self.type]


def modification_call(payment: Payment, modification: Modification) -> ModificationCall:
    amount = _two_decimals(modification.amount, modification.field)
    reference = modification.transaction_id
    action = ACTIONS[modification.type]
    body: dict[str, Any]
    if action == "capture":
        body = {"captureReference": reference, "amount": amount}
    elif action == "void":
        body = {"voidReference": reference, "amount": amount}
    else:
        body = {
            "refundReference": reference,
            "refundAmount": {"amount": amount, "currency": modification.amount.currency},
            "refundDescription": f"Refund for order {payment.id}",
        }
    change = OrderChange(payment.id, modification.type, reference, body)
    return ModificationCall(f"optty.{action}", change, {"orderReference": payment.id, **body})


def modification_result(change: OrderChange, answer: Mapping[str, Any]) -> ModificationResult:
    """Optty's answer: a capture or void is done (its captureId / voidedId); a refund is
    in the state its refundStatus says (the BNPL provider may decide later, which
    REFUND_CALLBACK announces), recorded under its reference."""
    if change.action == "refund":
        state = movement_state(answer.get("refundStatus") or "PENDING", REFUND)
        refund_id = answer.get("refundReference")
        return ModificationResult(state, redact(answer), str(refund_id) if refund_id else change.reference)
    _, id_field, reference_field = LISTED[change.type]
    named = next((str(answer[name]) for name in (id_field, reference_field) if answer.get(name)), change.reference)
    return ModificationResult("Success", redact(answer), named)


def held_result(change: OrderChange, held: Mapping[str, Any], refused: Mapping[str, Any]) -> ModificationResult:
    """After Optty's 409 to a reference it holds: the capture, void or refund the order
    lists under it, as read back (`refused` is the 409's answer). One the order does not
    list is Optty's refusal."""
    order = read_order(held)
    name, id_field, reference_field = LISTED[change.type]
    entry = next((e for e in order[name] if change.reference in (e[reference_field], e[id_field])), None)
    if entry is None:
        raise ProviderRefused(
            "optty",
            code=str(refused.get("statusCode", 409)),
            message=str(refused.get("message") or f"{change.action} reference {change.reference} was used before"),
            details={"orderReference": change.order_reference, "reference": change.reference},
        )
    found = _movement(change.type, entry, order["currency"])
    return ModificationResult(found.state, {"refused": refused, "order": logged(held)}, found.interaction_id)
