"""Pure translations between commercetools payments and Paynova's requests, answers
and event hook notifications."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError

from ... import session_request
from ...errors import FieldError, InvalidInput, InvalidNotification
from ...money import AmountError, Money
from ...payment import Payment
from ...redaction import redact
from ...status_words import StatusTable, same_status, unknown_status_text
from ..base import Event, Interaction, Session, TransactionChange
from .schemas import (
    EventSchema,
    PaymentEventSchema,
    SessionEndEventSchema,
    SessionRequestSchema,
)

# Paynova's "Online" payment channel: the shopper pays on the web.
WEB_PAYMENT_CHANNEL_ID = 1
# sessionRequest keys that go to initializePayment; all others go to orders/create.
SESSION_KEYS = ("interfaceOptions", "paymentMethods")
# Shopper data too sensitive for the payment's interaction log (the rest of billTo and
# customer is the storefront's own sessionRequest, already on the payment).
SENSITIVE_ORDER_KEYS = ("governmentId",)

# PAYMENT_STATUS → the payment transaction it reports. Paynova does not say what a
# PENDING, DECLINED or ERROR payment would have become; the connector records them
# against the Authorization (inferred; see fit_to for a PENDING one that COMPLETEs).
# A status not listed is a Pending Authorization too: a payment Paynova reports is
# never ignored, and a later event with a known status settles it.
TRANSACTIONS = StatusTable(
    {
        "AUTHORIZED": ("Authorization", "Success"),
        "COMPLETED": ("Charge", "Success"),
        "PENDING": ("Authorization", "Pending"),
        "DECLINED": ("Authorization", "Failure"),
        "ERROR": ("Authorization", "Failure"),
        "CANCELLED": ("CancelAuthorization", "Success"),
    }
)
UNKNOWN_PAYMENT = ("Authorization", "Pending")
# The transaction types of events that may be about a finalize or annul the extension
# made. Such an event carries the finalize's transactionId (which the extension recorded)
# or the authorization's TRANSACTION_ID (an annulment, or a call that timed out), so
# where no transaction has its id it settles a Pending one of its type and amount.
MODIFIED_BY_EVENTS = ("Charge", "CancelAuthorization")
# SESSION_STATUS → paymentStatus.interfaceCode. A COMPLETED session changes nothing:
# its PAYMENT events tell the outcome.
SESSION_END_CODES = StatusTable({"EXPIRED": "SESSION_EXPIRED", "CANCELLED": "SESSION_CANCELLED"})
# The event types the connector reads (EVENT_TYPE); others change nothing.
PAYMENT_EVENT, SESSION_END_EVENT = "PAYMENT", "SESSION_END"
# The notification fields kept in the interaction log. DIGEST and DELIVERY_TIMESTAMP
# change with every delivery attempt and stay out, so that a retried delivery reads
# the same and is recognised as applied.
LOGGED_EVENT_FIELDS = (
    "EVENT_TYPE", "EVENT_TIMESTAMP", "MERCHANT_ID", "ORDER_ID", "ORDER_NUMBER", "SESSION_ID",
    "PAYMENT_STATUS", "PAYMENT_STATUS_REASON", "AMOUNT", "CURRENCY_CODE", "TRANSACTION_ID",
    "SESSION_STATUS", "SESSION_STATUS_REASON",
)  # fmt: skip

_SESSION_REQUEST = SessionRequestSchema()
_EVENT_SCHEMAS: StatusTable[Schema] = StatusTable(
    {PAYMENT_EVENT: PaymentEventSchema(), SESSION_END_EVENT: SessionEndEventSchema()}
)
_OTHER_EVENT = EventSchema()


def request_bodies(payment: Payment, notification_url: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bodies of orders/create and initializePayment for a payment; InvalidInput
    names every field of the sessionRequest that Paynova would refuse."""
    amount = payment.amount_planned
    owned = {"orderNumber": payment.id, "currencyCode": amount.currency, "totalAmount": amount.decimal_text()}
    given = payment.session_request()
    errors = _amount_errors(given, amount)
    try:
        loaded = session_request.load(
            _SESSION_REQUEST, given, {**owned, "interfaceOptions.urlCallback": notification_url}
        )
    except InvalidInput as invalid:
        errors += invalid.errors
    if errors:
        raise InvalidInput(sorted(errors, key=lambda error: error.field))
    loaded = _as_paynova_json(loaded)
    order = {key: value for key, value in loaded.items() if key not in SESSION_KEYS}
    session = {key: loaded[key] for key in SESSION_KEYS if key in loaded}
    session["interfaceOptions"]["urlCallback"] = notification_url
    session.update(totalAmount=owned["totalAmount"], paymentChannelId=WEB_PAYMENT_CHANNEL_ID)
    return {**order, **owned}, session


def _amount_errors(given: Mapping[str, Any], amount: Money) -> list[FieldError]:
    """The checks that need the planned amount, made on the raw sessionRequest so that
    they come with the schema's errors; an unreadable totalLineAmount is left to it."""
    errors = []
    if amount.cent_amount <= 0:
        errors.append(FieldError("amountPlanned.centAmount", "must be greater than 0 for Paynova"))
    lines_total = _lines_total(given.get("lineItems"))
    if lines_total is not None and lines_total != amount.amount:
        errors.append(
            FieldError(
                "sessionRequest.lineItems",
                f"the lines' totalLineAmount add up to {lines_total:f}, not to the payment's {amount.decimal_text()}",
            )
        )
    return errors


def _lines_total(lines: Any) -> Decimal | None:
    if not isinstance(lines, list) or not lines:
        return None
    try:
        total = sum((Decimal(str(line["totalLineAmount"])) for line in lines), Decimal(0))
    except (TypeError, KeyError, InvalidOperation):
        return None
    return total if total.is_finite() else None


def _as_paynova_json(value: Any) -> Any:
    """Decimals as decimal text with a dot, as Paynova's own client sends amounts."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {key: _as_paynova_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_paynova_json(item) for item in value]
    return value


def order_record(order: Mapping[str, Any], order_id: str) -> dict[str, str]:
    """What the connector keeps about an order it created, for a later attempt."""
    return {"orderId": order_id, "totalAmount": order["totalAmount"], "currencyCode": order["currencyCode"]}


def check_reusable(record: Mapping[str, str], order: Mapping[str, Any]) -> None:
    """An order an earlier attempt created is only reused for the same amount."""
    if (record["totalAmount"], record["currencyCode"]) != (order["totalAmount"], order["currencyCode"]):
        raise InvalidInput.field(
            "amountPlanned",
            f"Paynova order {record['orderId']} was created for this payment with "
            f"{record['totalAmount']} {record['currencyCode']}; the amount can no longer change",
        )


def order_interaction(order: Mapping[str, Any], answer: Mapping[str, Any]) -> Interaction:
    return Interaction("paynova.createOrder", redact(order, SENSITIVE_ORDER_KEYS), redact(answer))


def session(
    order_id: str, request: Mapping[str, Any], answer: Mapping[str, Any], order_created: Interaction | None
) -> Session:
    status = answer["status"]
    initialized = Interaction("paynova.initializePayment", redact({"orderId": order_id, **request}), redact(answer))
    return Session(
        interface_id=order_id,
        session_token=answer["sessionId"],
        redirect_url=answer["url"],
        response=redact({"orderId": order_id, **answer}),
        status_code=status.get("statusKey"),
        status_text=status.get("statusMessage"),
        interactions=(order_created, initialized) if order_created else (initialized,),
    )


def read_event(fields: Mapping[str, str]) -> dict[str, Any]:
    """The fields the connector uses, by EVENT_TYPE; InvalidNotification names the
    missing or malformed ones."""
    schema = _EVENT_SCHEMAS.get(fields.get("EVENT_TYPE", ""), _OTHER_EVENT)
    try:
        return schema.load(fields)
    except ValidationError as error:
        names = ", ".join(sorted(error.messages))
        raise InvalidNotification(f"the notification lacks or has malformed fields: {names}") from None


@dataclass(frozen=True)
class PaynovaFacts:
    """An event's facts (Event.facts): the fields DIGEST does not cover that the
    payment must fit, as read from the notification."""

    event_type: str
    order_id: str
    session_id: str | None = None  # SESSION_END events: the session that ended

    @property
    def session_end(self) -> bool:
        return same_status(self.event_type, SESSION_END_EVENT)


def event(notification: Mapping[str, Any], fields: Mapping[str, str]) -> Event:
    """The Event for a verified notification: a PAYMENT event records its transaction
    (a PAYMENT_STATUS the connector does not know as a Pending Authorization), a
    SESSION_END event the status only; other event types change nothing."""
    logged = Interaction("paynova.notification", {name: fields[name] for name in LOGGED_EVENT_FIELDS if name in fields})
    payment_id = notification["ORDER_NUMBER"]
    facts = PaynovaFacts(notification["EVENT_TYPE"], notification["ORDER_ID"], notification.get("SESSION_ID"))
    if facts.session_end:
        return Event(
            payment_id,
            logged,
            status_code=SESSION_END_CODES.get(notification["SESSION_STATUS"]),
            status_text=notification["SESSION_STATUS_REASON"],
            facts=facts,
        )
    if not same_status(notification["EVENT_TYPE"], PAYMENT_EVENT):
        return Event(payment_id, logged, facts=facts)
    status = notification["PAYMENT_STATUS"]
    text = notification["PAYMENT_STATUS_REASON"]
    if status not in TRANSACTIONS:
        text = unknown_status_text("paynova", status)
    return Event(
        payment_id,
        logged,
        transactions=(transaction_change(notification),),
        status_code=status,
        status_text=text,
        facts=facts,
    )


def transaction_change(notification: Mapping[str, Any]) -> TransactionChange:
    type_, state = TRANSACTIONS.get(notification["PAYMENT_STATUS"], UNKNOWN_PAYMENT)
    try:
        amount = Money.parse(notification["AMOUNT"], notification["CURRENCY_CODE"])
    except AmountError as error:
        raise InvalidNotification(f"AMOUNT: {error}") from None
    return TransactionChange(
        type=type_,
        state=state,
        interaction_id=notification["TRANSACTION_ID"],
        amount=amount,
        matches_pending=type_ in MODIFIED_BY_EVENTS,
    )


def fit_to(event: Event, payment: Payment) -> Event:
    """The event as it applies to the payment:

    - A payment that was PENDING (a pending Authorization) and is now COMPLETED was
      authorized too: its Authorization succeeds along with the new Charge.
    - A CANCELLED event about an annulment the extension made (same amount) is about the
      CancelAuthorization it recorded under the order id (see modifications.py), or
      Pending without any id after a timeout: it names that one, instead of adding a
      second under the authorization's TRANSACTION_ID.
    - A session that ended is the payment's only if it is its sessionToken: a session a
      timed-out attempt opened on the same order (see __init__.py) expires unused, and
      that changes nothing."""
    if _ends_another_session(event.facts_as(PaynovaFacts), payment):
        return replace(event, status_code=None, status_text=None)
    recorded = tuple(_as_recorded(change, payment) for change in event.transactions)
    if recorded != event.transactions:
        event = replace(event, transactions=recorded)
    authorized = tuple(
        replace(change, type="Authorization")
        for change in event.transactions
        if (change.type, change.state) == ("Charge", "Success")
        and (pending := payment.transaction(change.interaction_id, "Authorization")) is not None
        and pending.state == "Pending"
    )
    return replace(event, transactions=authorized + event.transactions) if authorized else event


def _as_recorded(change: TransactionChange, payment: Payment) -> TransactionChange:
    if change.type != "CancelAuthorization" or change.amount is None or not payment.interface_id:
        return change
    annulled = (change.amount.currency, change.amount.cent_amount)
    ours = any(
        t.amount is not None and (t.amount.currency, t.amount.cent_amount) == annulled
        for t in payment.recorded_or_awaiting("CancelAuthorization", payment.interface_id)
    )
    return replace(change, interaction_id=payment.interface_id) if ours else change


def _ends_another_session(facts: PaynovaFacts, payment: Payment) -> bool:
    return facts.session_end and facts.session_id != payment.custom_field("sessionToken")


def check_against(event: Event, payment: Payment) -> None:
    """DIGEST covers neither the order nor the payment fields, so a notification must
    at least fit its payment: the payment's own Paynova order, and an amount that fits:
    a transaction's the payment records already, the planned amount for an
    authorization, at most the planned amount for a finalize (partial ones too) or an
    annulment."""
    order_id = event.facts_as(PaynovaFacts).order_id
    if not payment.interface_id or order_id != payment.interface_id:
        raise InvalidNotification(f"ORDER_ID {order_id} is not the Paynova order of payment {payment.id}")
    for change in event.transactions:
        if change.amount is None:
            continue
        recorded = payment.transaction(change.interaction_id, change.type)
        if recorded is not None and recorded.amount is not None:
            expected, at_most = recorded.amount, False
        else:
            expected, at_most = payment.amount_planned, change.type in MODIFIED_BY_EVENTS
        amount = change.amount.amount
        if amount > expected.amount or (not at_most and amount != expected.amount):
            limit = "at most " if at_most else ""
            raise InvalidNotification(f"AMOUNT {change.amount.decimal_text()} is not {limit}{expected.decimal_text()}")
