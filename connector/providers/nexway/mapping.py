"""Pure translations between commercetools payments and Nexway Connect's orders, answers
and order notifications.

The Nexway order is the payment's sale: one Charge transaction whose interactionId is
Nexway's orderNumber. The payment's status interface code holds the order's status in
Nexway's own words, as Nexway spelled them (COMPLETED, fraudPending, CANCELED, ...);
the tables below read any spelling (see connector/status_words.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError

from ... import session_request
from ...errors import FieldError, InvalidInput, InvalidNotification, ProviderUnavailable
from ...modifications import CANCEL, CHARGE, REFUND
from ...money import AmountError, Money
from ...payment import Payment
from ...redaction import redact
from ...status_words import StatusTable, same_status, unknown_status_text
from ..base import Event, Interaction, Session, TransactionChange
from .schemas import EXTERNAL_PAYMENT, NotificationSchema, OrderLineSchema, SessionRequestSchema

# What order/new's accepted codes say about the order when its answer names no status
# (inferred: Connect names no statuses, these are the ones Nexway's order
# notifications use).
STATUS_BY_CODE = {0: "COMPLETED", 1060: "PAYMENT_PENDING", 1061: "FRAUD_PENDING"}
# Notification type → the state it gives the Charge; None: the status only.
# A cancellation of a charge that succeeded becomes a Refund (see fit_cancellation).
EVENT_CHARGE_STATES = StatusTable(
    {
        "created": "Pending",
        "paymentFailed": "Failure",
        "paymentRefused": "Failure",
        "completed": "Success",
        "partiallyCompleted": "Success",
        "fulfillmentFailed": None,
        "canceled": "Failure",
        "aborted": "Failure",
    }
)
CANCELED = "canceled"
# The order's status (as GET /connect/order/{orderNumber} and order/new name it) → the
# notification type that tells of it: a read-back applies as that notification would,
# and a new session's Charge takes the state it gives. The statuses of an order still
# waiting read as `created`: its Charge stays Pending.
READ_BACK_TYPES = StatusTable(
    {
        "CREATED": "created",
        "PAYMENT_PENDING": "created",
        "FRAUD_PENDING": "created",
        "PENDING": "created",
        "PENDING_WITH_ERROR": "fulfillmentFailed",
        "COMPLETED": "completed",
        "PARTIAL_COMPLETED": "partiallyCompleted",
        "PAYMENT_FAILED": "paymentFailed",
        "PAYMENT_REFUSED": "paymentRefused",
        "CANCELED": "canceled",
        "ABORTED": "aborted",
    }
)
# Nexway's responseCode for an order it does not know (inferred: Connect names none).
ORDER_NOT_FOUND = "1030"
# Serials are the licence keys Nexway delivers: they stay out of commercetools.
SECRET_ANSWER_KEYS = ("serials",)
# The notification fields kept in the payment's log (no shopper data).
LOGGED_ORDER_FIELDS = (
    "id",
    "status",
    "partnerOrderNumber",
    "currency",
    "totalPriceIncVAT",
    "cancellationReason",
    "cancellationDate",
)

_SESSION_REQUEST = SessionRequestSchema()
_ORDER_LINE = OrderLineSchema()
_NOTIFICATION = NotificationSchema()


def order_request(payment: Payment, order_date: str) -> dict[str, Any]:
    """The CreateOrderRequest for a payment, amounts as JSON numbers.

    Raises InvalidInput naming every field that Nexway would refuse or that does not fit
    the payment (line arithmetic, lines adding up to amountPlanned)."""
    amount = payment.amount_planned
    owned = {"partnerOrderNumber": payment.id, "currency": amount.currency, "orderDate": order_date}
    transaction_id = paid_transaction_id(payment)
    if transaction_id is not None:
        owned["payment.transactionId"] = transaction_id
    request = payment.session_request()
    try:
        order = session_request.load(_SESSION_REQUEST, request, owned)
    except InvalidInput as invalid:
        # The lines that are valid by themselves still have their arithmetic checked,
        # so that the storefront learns of every error at once.
        errors = [*invalid.errors, *_arithmetic_errors(_valid_lines(request), amount)]
        raise InvalidInput(sorted(errors, key=lambda error: error.field)) from None
    _check_amounts(order["orderLines"], amount)
    order["payment"] = _payment(order["payment"], transaction_id)
    order.update(partnerOrderNumber=payment.id, currency=amount.currency, orderDate=order_date)
    return _json_numbers(order)


def paid_transaction_id(payment: Payment) -> str | None:
    """The interactionId of the payment's latest successful Authorization or Charge:
    the payment the storefront took, which Nexway's order refers to."""
    paid = [
        t
        for t in payment.transactions
        if t.state == "Success" and t.type in ("Authorization", CHARGE) and t.interaction_id
    ]
    return paid[-1].interaction_id if paid else None


def _payment(payment: dict[str, Any], transaction_id: str | None) -> dict[str, Any]:
    payment = {**payment, "transactionId": transaction_id} if transaction_id else payment
    if payment["paymentMethod"] != EXTERNAL_PAYMENT and not payment.get("transactionId"):
        raise InvalidInput.field(
            "sessionRequest.payment.transactionId",
            f"is required for paymentMethod {payment['paymentMethod']!r} (no successful transaction on the payment)",
        )
    return payment


def _check_amounts(lines: list[dict[str, Any]], planned: Money) -> None:
    """Each line computes, and the lines add up to the planned amount exactly."""
    errors = _arithmetic_errors(enumerate(lines), planned)
    if errors:
        raise InvalidInput(errors)
    total = sum((line["amountTotal"] for line in lines), Decimal(0))
    if total != planned.amount:
        raise InvalidInput.field(
            "sessionRequest.orderLines",
            f"amountTotal adds up to {total}, amountPlanned is {planned.decimal_text()} {planned.currency}",
        )


def _valid_lines(request: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    lines = request.get("orderLines")
    valid = []
    for index, line in enumerate(lines if isinstance(lines, list) else []):
        try:
            valid.append((index, _ORDER_LINE.load(line)))
        except ValidationError:
            continue  # its errors are reported already
    return valid


def _arithmetic_errors(lines: Iterable[tuple[int, Mapping[str, Any]]], planned: Money) -> list[FieldError]:
    """amountTotal = amountDutyFree × quantity × (1 + vatRate/100), within one minor unit
    of the currency (for the rounding of the line), with no more decimals than it has."""
    errors = []
    tolerance = Decimal(1).scaleb(-planned.fraction_digits)
    for index, line in lines:
        field = f"sessionRequest.orderLines[{index}].amountTotal"
        try:
            Money.parse(line["amountTotal"], planned.currency, planned.fraction_digits)
        except AmountError as error:
            errors.append(FieldError(field, str(error)))
            continue
        expected = line_total(line["amountDutyFree"], line["quantity"], line["vatRate"])
        if abs(line["amountTotal"] - expected) > tolerance:
            errors.append(FieldError(field, f"must be amountDutyFree × quantity × (1 + vatRate/100) = {expected}"))
    return errors


def line_total(amount_duty_free: Decimal, quantity: int, vat_rate: Decimal) -> Decimal:
    return amount_duty_free * quantity * (1 + vat_rate / 100)


def _json_numbers(value: Any) -> Any:
    """Decimals as JSON numbers, as Nexway's float fields want them. A float only at the
    edge: for decimals of up to 15 digits it prints exactly as the decimal."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    return value


def public_answer(answer: Mapping[str, Any]) -> Any:
    """Nexway's answer without the licence keys: download links stay, serials go."""
    return redact(answer, SECRET_ANSWER_KEYS)


def interaction(type_: str, request: Any, answer: Mapping[str, Any]) -> Interaction:
    return Interaction(type_, redact(request), public_answer(answer))


def order_status(answer: Mapping[str, Any]) -> str:
    """The order's status: a GET names it, order/new's answer says it by its code
    (and may name it too)."""
    named = answer.get("status")
    return str(named) if named not in (None, "") else STATUS_BY_CODE[answer["responseCode"]]


def session(payment: Payment, answer: Mapping[str, Any], interactions: tuple[Interaction, ...]) -> Session:
    """The session for Nexway's accepted order (from order/new or read back after 1010):
    its responseCode said Nexway took it, so the payment opens whatever its status. Its
    Charge is in the state the notification of that status gives it: an order that
    ended without a sale (read back after 1010, say) is a failed Charge; a status the
    connector does not know is Pending until an order event decides."""
    if answer.get("partnerOrderNumber") not in (None, payment.id):
        raise ProviderUnavailable("nexway", f"order {answer['orderNumber']} belongs to another partnerOrderNumber")
    status = order_status(answer)
    type_ = READ_BACK_TYPES.get(status)
    text = answer.get("responseMessage")
    if type_ is None:
        state, text = "Pending", unknown_status_text("nexway", status)
    else:
        # A status that leaves the Charge be (fulfillmentFailed) still opens it, Pending.
        state = EVENT_CHARGE_STATES[type_] or "Pending"
    order_number = str(answer["orderNumber"])
    return Session(
        interface_id=order_number,
        response=public_answer(answer),
        status_code=status,
        status_text=text,
        transactions=(TransactionChange(CHARGE, state, order_number),),
        interactions=interactions,
    )


def read_notification(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidNotification("the notification is not a JSON object")
    errors = _NOTIFICATION.validate(body)
    if errors:
        named = ", ".join(sorted(error.field for error in InvalidInput.from_messages(errors).errors))
        raise InvalidNotification(f"the notification lacks or has malformed fields: {named}")
    return _NOTIFICATION.load(body)


@dataclass(frozen=True)
class NexwayFacts:
    """An event's facts (Event.facts): what the notification says the payment must fit."""

    type: str  # the notification's type (created, completed, canceled, ...)
    order_id: str
    currency: str | None = None


def event(notification: Mapping[str, Any]) -> Event:
    """The Event for an authentic order notification; a type the connector does not
    know (subscription renewals, ...) yields an Event that changes nothing."""
    order = notification["order"]
    logged = {
        **{key: notification[key] for key in ("subject", "type", "objectId", "eventDate") if key in notification},
        "order": {key: order[key] for key in LOGGED_ORDER_FIELDS if order.get(key) is not None},
    }
    interaction_ = Interaction("nexway.notification", logged)
    payment_id = order["partnerOrderNumber"]
    facts = NexwayFacts(notification["type"], str(order["id"]), order.get("currency"))
    if notification["type"] not in EVENT_CHARGE_STATES:
        return Event(payment_id=payment_id, interaction=interaction_, facts=facts)
    state = EVENT_CHARGE_STATES[notification["type"]]
    changes = (TransactionChange(CHARGE, state, str(order["id"])),) if state else ()
    return Event(
        payment_id=payment_id,
        interaction=interaction_,
        transactions=changes,
        status_code=order["status"],
        status_text=notification["type"],
        facts=facts,
    )


def check_against(event: Event, payment: Payment) -> None:
    """Nexway's notifications are authenticated whole (Basic credentials); what remains
    is that they are about this payment's order, in its currency."""
    facts = event.facts_as(NexwayFacts)
    if payment.interface_id and facts.order_id != payment.interface_id:
        raise InvalidNotification(f"order {facts.order_id} is not the payment's Nexway order {payment.interface_id}")
    if facts.currency and facts.currency != payment.amount_planned.currency:
        raise InvalidNotification(f"the order is in {facts.currency}, the payment in {payment.amount_planned.currency}")


def fit_cancellation(event: Event, payment: Payment) -> Event:
    """A cancellation refunds a charge that succeeded: the Refund the extension recorded
    (its interactionId is the order's, or it is Pending without one after a timeout; the
    amount finds it), or a new one for a cancellation in Nexway's back office. It fails a
    charge still pending, and settles the CancelAuthorization the extension recorded for
    it, if any."""
    if not same_status(event.facts_as(NexwayFacts).type, CANCELED):
        return event
    [change] = event.transactions
    charge = payment.transaction(change.interaction_id, CHARGE)
    if charge is None:
        return event
    if charge.state == "Success":
        return replace(event, transactions=(replace(change, type=REFUND, state="Success", amount=charge.amount),))
    stopped = _cancellation(payment, change.interaction_id)
    if stopped is None:
        return event
    return replace(event, transactions=(change, TransactionChange(CANCEL, "Success", change.interaction_id, stopped)))


def _cancellation(payment: Payment, order_number: str) -> Money | None:
    """The amount of the CancelAuthorization the extension recorded for the order."""
    recorded = payment.recorded_or_awaiting(CANCEL, order_number)
    return recorded[0].amount if recorded else None


def read_back_event(payment: Payment, answer: Mapping[str, Any]) -> Event:
    """The Event for an order read back: what the notification of its status carries, so
    that it applies the same way (and a later notification changes nothing). The log
    keeps the order's number and status, so that reading the same again is recognised."""
    status = order_status(answer)
    type_ = READ_BACK_TYPES.get(status)
    if type_ is None:
        unknown_status_text("nexway", status)
        type_ = "created"  # an order Nexway accepted, in a status the connector does not know
    order_number = str(answer["orderNumber"])
    notification = {
        "subject": "order",
        "type": type_,
        "objectId": order_number,
        "order": {"id": order_number, "status": status, "partnerOrderNumber": payment.id},
    }
    read = event(notification)
    return replace(read, interaction=Interaction("nexway.getOrder", read.interaction.request, public_answer(answer)))
