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
from ...status_words import StatusTable, StatusWords, unknown_status_text
from ..base import Event, Interaction, Session, TransactionChange
from .schemas import DmnSchema, SessionRequestSchema

TRANSACTION_TYPES = StatusTable(
    {
        "Auth": "Authorization",
        "Sale": "Charge",
        "Settle": "Charge",
        "Credit": "Refund",
        "Void": "CancelAuthorization",
    }
)
# A DMN's Status → the transaction's state. Another Status of a tracked transaction
# type is Pending until a DMN with a known one settles it.
TRANSACTION_STATES = StatusTable(
    {
        "APPROVED": "Success",
        "SUCCESS": "Success",
        "DECLINED": "Failure",
        "ERROR": "Failure",
        "PENDING": "Pending",
    }
)

# The DMN fields kept in the payment's interaction log; the rest (card details,
# shopper data, tokens) stays out of commercetools.
LOGGED_DMN_FIELDS = (
    "ppp_status", "Status", "Reason", "ErrCode", "ExErrCode", "PPP_TransactionID", "TransactionID",
    "transactionType", "relatedTransactionId", "clientUniqueId", "totalAmount", "currency",
    "responseTimeStamp", "productId", "merchant_id", "merchant_site_id",
)  # fmt: skip
# Nuvei follow-ups that refer to an earlier transaction with relatedTransactionId.
FOLLOW_UPS = StatusWords(("Settle", "Credit", "Void"))

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
    shown = redact(answer)
    return Session(
        interface_id=str(answer["orderId"]),
        session_token=answer["sessionToken"],
        response=shown,
        status_code=answer["status"],
        interactions=(Interaction("nuvei.openOrder", redact(request), shown),),
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
    interaction = Interaction("nuvei.dmn", {name: fields[name] for name in LOGGED_DMN_FIELDS if name in fields})
    change = transaction_change(dmn)
    if change is None:
        return Event(payment_id=dmn["clientUniqueId"], interaction=interaction)
    status = dmn["Status"]
    known = status in TRANSACTION_STATES
    return Event(
        payment_id=dmn["clientUniqueId"],
        interaction=interaction,
        transactions=(change,),
        status_code=status,
        status_text=(dmn["Reason"] or dmn["ppp_status"]) if known else unknown_status_text("nuvei", status),
    )


def check_against(event: Event, payment: Payment) -> None:
    """What a DMN's checksum does not cover must at least fit the payment: the first
    transaction is for the planned amount, a follow-up refers to a known transaction."""
    dmn = event.interaction.request
    for change in event.transactions:
        if dmn["transactionType"] in FOLLOW_UPS:
            related = dmn.get("relatedTransactionId")
            if not any(t.interaction_id == related for t in payment.transactions):
                raise InvalidNotification(f"relatedTransactionId {related!r} is not a transaction of this payment")
        elif change.amount is not None and change.amount.amount != payment.amount_planned.amount:
            raise InvalidNotification(
                f"totalAmount {change.amount.decimal_text()} is not the payment's {payment.amount_planned.decimal_text()}"
            )


def transaction_change(dmn: Mapping[str, Any]) -> TransactionChange | None:
    """The transaction a DMN reports; None for a transaction type the connector does not
    track (3-D Secure steps, ...)."""
    type_ = TRANSACTION_TYPES.get(dmn["transactionType"])
    if type_ is None:
        return None
    try:
        amount = Money.parse(dmn["totalAmount"], dmn["currency"])
    except AmountError as error:
        raise InvalidNotification(f"totalAmount: {error}") from None
    return TransactionChange(
        type=type_,
        state=TRANSACTION_STATES.get(dmn["Status"], "Pending"),
        interaction_id=dmn["TransactionID"],
        amount=amount,
    )
