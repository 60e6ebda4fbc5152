"""Pure translations between commercetools payments and Nuvei's requests, answers
and DMNs."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import session_request
from ...errors import InvalidInput, InvalidNotification
from ...money import AmountError, Money
from ...payment import Payment
from ...redaction import redact
from ..base import Event, Interaction, Session, TransactionChange
from .schemas import DmnSchema, SessionRequestSchema

TRANSACTION_TYPES = {
    "Auth": "Authorization",
    "Sale": "Charge",
    "Settle": "Charge",
    "Credit": "Refund",
    "Void": "CancelAuthorization",
}
TRANSACTION_STATES = {
    "APPROVED": "Success",
    "SUCCESS": "Success",
    "DECLINED": "Failure",
    "ERROR": "Failure",
    "PENDING": "Pending",
}

_SESSION_REQUEST = SessionRequestSchema()
_DMN = DmnSchema()


def order_request(payment: Payment, notification_url: str | None) -> dict[str, Any]:
    """The business fields of openOrder.do for a payment (the client adds the rest)."""
    amount = payment.amount_planned
    if amount.cent_amount <= 0:
        raise InvalidInput.field("amountPlanned.centAmount", "must be greater than 0 for Nuvei")
    owned = {"clientUniqueId": payment.id, "amount": amount.decimal_text(), "currency": amount.currency}
    order = session_request.load(
        _SESSION_REQUEST, payment.session_request(), {**owned, "urlDetails.notificationUrl": notification_url}
    )
    order.update(owned)
    order["urlDetails"] = {**order.get("urlDetails", {}), "notificationUrl": notification_url}
    return order


def session(request: Mapping[str, Any], answer: Mapping[str, Any]) -> Session:
    return Session(
        interface_id=str(answer["orderId"]) if answer.get("orderId") is not None else None,
        session_token=answer.get("sessionToken"),
        response=redact(answer),
        status_code=answer.get("status"),
        status_text="openOrder",
        interactions=(Interaction("nuvei.openOrder", redact(request), redact(answer)),),
    )


def read_dmn(fields: Mapping[str, str]) -> dict[str, Any]:
    errors = _DMN.validate(fields)
    if errors:
        missing = ", ".join(sorted(errors))
        raise InvalidNotification(f"the DMN lacks or has malformed fields: {missing}")
    return _DMN.load(fields)


def event(dmn: Mapping[str, Any], fields: Mapping[str, str]) -> Event:
    """The Event for a verified DMN; a transaction type the connector does not track
    (e.g. a 3-D Secure step) yields an Event that changes nothing."""
    interaction = Interaction("nuvei.dmn", redact(dict(fields)))
    change = transaction_change(dmn)
    if change is None:
        return Event(payment_id=dmn["clientUniqueId"], interaction=interaction)
    return Event(
        payment_id=dmn["clientUniqueId"],
        interaction=interaction,
        transaction=change,
        status_code=dmn["Status"].upper(),
        status_text=dmn["Reason"] or dmn["ppp_status"],
    )


def transaction_change(dmn: Mapping[str, Any]) -> TransactionChange | None:
    type_ = TRANSACTION_TYPES.get(dmn["transactionType"])
    state = TRANSACTION_STATES.get(dmn["Status"].upper())
    if type_ is None or state is None:
        return None
    try:
        amount = Money.parse(dmn["totalAmount"], dmn["currency"])
    except AmountError as error:
        raise InvalidNotification(f"totalAmount: {error}") from None
    return TransactionChange(
        type=type_,
        state=state,
        interaction_id=dmn["TransactionID"],
        amount=amount,
    )
