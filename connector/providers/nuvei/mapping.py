"""Pure translations between commercetools payments and Nuvei's requests, answers
and DMNs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ... import session_request
from ...errors import InvalidInput, InvalidNotification, OperationNotPossible, ProviderUnavailable
from ...modifications import (
    AUTHORIZATION,
    CANCEL,
    CHARGE,
    REFUND,
    Balance,
    Modification,
    authorization_id,
    charges_left,
)
from ...money import AmountError, Money
from ...payment import Payment, Transaction
from ...redaction import redact
from ...status_words import (
    StatusTable,
    StatusWords,
    same_status,
    state_or_pending,
    status_key,
    unknown_status_text,
)
from ..base import Event, Interaction, ModificationCall, ModificationResult, Session, TransactionChange
from .client import SUCCESS
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
# A DMN's Status, or a transaction's transactionStatus → the transaction's state.
# Another word, for a transaction type the connector tracks, is Pending until Nuvei
# settles it with a known one.
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
    "responseTimeStamp", "productId", "merchant_id", "merchant_site_id", "AuthCode",
)  # fmt: skip
# Nuvei follow-ups that refer to an earlier transaction with relatedTransactionId.
FOLLOW_UPS = StatusWords(("Settle", "Credit", "Void"))
# The transactions that open a payment: the first money a payment records.
OPENINGS = StatusWords(("Auth", "Sale"))

# The interaction types whose response holds Nuvei's word on transactions
# (`{"transactions": [TransactionDetails.logged(), ...]}`): a verified DMN, a read-back.
DMN_INTERACTION = "nuvei.dmn"
READ_BACK_INTERACTION = "nuvei.getTransactionDetails"
_VERIFIED_BY_NUVEI = (DMN_INTERACTION, READ_BACK_INTERACTION)

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


# -- what Nuvei holds: getTransactionDetails.do


@dataclass(frozen=True)
class TransactionDetails:
    """One transaction as Nuvei's getTransactionDetails.do describes it."""

    transaction_id: str
    type: str  # Nuvei's transactionType, as Nuvei spelled it
    status: str  # transactionStatus
    client_unique_id: str | None = None
    auth_code: str | None = None
    related_transaction_id: str | None = None

    @property
    def state(self) -> str:
        return TRANSACTION_STATES.get(self.status, "Pending")

    @property
    def follow_up(self) -> bool:
        return self.type in FOLLOW_UPS

    def logged(self) -> dict[str, str | None]:
        """As the interaction records it, under Nuvei's own names."""
        return {
            "transactionId": self.transaction_id,
            "transactionType": self.type,
            "transactionStatus": self.status,
            "clientUniqueId": self.client_unique_id,
            "authCode": self.auth_code,
            "relatedTransactionId": self.related_transaction_id,
        }


def transaction_details(answer: Mapping[str, Any]) -> TransactionDetails | None:
    """Nuvei's getTransactionDetails.do answer; None when Nuvei holds no such
    transaction (status ERROR). An answer that is not as documented is
    ProviderUnavailable: it says nothing either way."""
    if not same_status(answer.get("status"), SUCCESS):
        return None
    details = answer.get("transactionDetails")
    if not isinstance(details, Mapping) or not all(
        _text(details.get(name)) for name in ("transactionId", "transactionType", "transactionStatus")
    ):
        raise ProviderUnavailable("nuvei", "a SUCCESS answer of getTransactionDetails.do without transactionDetails")
    return TransactionDetails(
        transaction_id=_text(details["transactionId"]) or "",
        type=_text(details["transactionType"]) or "",
        status=_text(details["transactionStatus"]) or "",
        client_unique_id=_text(details.get("clientUniqueId")),
        auth_code=_text(details.get("authCode")),
        related_transaction_id=_text(details.get("relatedTransactionId")),
    )


def _text(value: Any) -> str | None:
    """An id or word as text (Nuvei writes some ids as numbers); None when empty."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    return str(value) if isinstance(value, str | int) else None


@dataclass(frozen=True)
class NuveiFacts:
    """An event's facts (Event.facts): what Nuvei said about its transactions."""

    said: tuple[TransactionDetails, ...] = ()

    def about(self, transaction_id: str) -> TransactionDetails | None:
        """Nuvei's latest word on a transaction (a read-back may ask twice)."""
        return next((told for told in reversed(self.said) if told.transaction_id == transaction_id), None)


# -- DMNs


def read_dmn(fields: Mapping[str, str]) -> dict[str, Any]:
    errors = _DMN.validate(fields)
    if errors:
        missing = ", ".join(sorted(errors))
        raise InvalidNotification(f"the DMN lacks or has malformed fields: {missing}")
    return _DMN.load(fields)


def changes_money(dmn: Mapping[str, Any]) -> bool:
    """Whether the DMN reports a transaction the connector records (not a 3-D Secure step)."""
    return dmn["transactionType"] in TRANSACTION_TYPES


def event(dmn: Mapping[str, Any], fields: Mapping[str, str]) -> Event:
    """The Event of a DMN that changes no money (a transaction type the connector does
    not track, e.g. a 3-D Secure step): acknowledged, it changes nothing."""
    return Event(payment_id=dmn["clientUniqueId"], interaction=_dmn_interaction(fields), facts=NuveiFacts())


def verified_event(dmn: Mapping[str, Any], fields: Mapping[str, str], details: TransactionDetails | None) -> Event:
    """The Event of a DMN that changes money, as Nuvei's read-back of its TransactionID
    confirms it: the payment, the transaction type and its status are Nuvei's word (its
    checksum covers the amount, not these). InvalidNotification when Nuvei holds no such
    transaction or says otherwise: a DMN replayed onto another payment or rewritten."""
    transaction_id = dmn["TransactionID"]
    if details is None:
        raise InvalidNotification(f"Nuvei holds no transaction {transaction_id}: the DMN is not Nuvei's word")
    # The payment and the type must be Nuvei's; the related transaction and the
    # authCode where both name one (check_against then holds Nuvei's related id to the
    # payment).
    disagreements = [
        f"{name} {given!r} (Nuvei: {said!r})"
        for name, given, said, required in (
            ("clientUniqueId", dmn["clientUniqueId"], details.client_unique_id, not details.follow_up),
            ("transactionType", dmn["transactionType"], details.type, True),
            ("relatedTransactionId", dmn["relatedTransactionId"], details.related_transaction_id, False),
            ("AuthCode", dmn["AuthCode"], details.auth_code, False),
        )
        if (said is None and required) or (given and said and _compared(name, given) != _compared(name, said))
    ]
    if disagreements:
        raise InvalidNotification(
            f"the DMN for transaction {transaction_id} disagrees with getTransactionDetails.do: "
            + ", ".join(disagreements)
        )
    try:
        amount = Money.parse(dmn["totalAmount"], dmn["currency"])
    except AmountError as error:
        raise InvalidNotification(f"totalAmount: {error}") from None
    change = TransactionChange(TRANSACTION_TYPES[details.type], details.state, transaction_id, amount)
    interaction = _dmn_interaction(fields, {"transactions": [details.logged()]})
    return Event(
        payment_id=dmn["clientUniqueId"],
        interaction=interaction,
        transactions=(change,),
        status_code=details.status,
        status_text=_status_text(details.status, dmn["Reason"] or dmn["ppp_status"]),
        facts=NuveiFacts((details,)),
    )


def _compared(name: str, value: str) -> str:
    """Ids as they are; the type as a status word, in any spelling."""
    return status_key(value) if name == "transactionType" else value


def _dmn_interaction(fields: Mapping[str, str], verified: Mapping[str, Any] | None = None) -> Interaction:
    logged = {name: fields[name] for name in LOGGED_DMN_FIELDS if name in fields}
    return Interaction(DMN_INTERACTION, logged, verified)


def _status_text(status: str, known_text: str | None) -> str | None:
    return known_text if status in TRANSACTION_STATES else unknown_status_text("nuvei", status)


def check_against(event: Event, payment: Payment) -> None:
    """What Nuvei said must fit the payment: the first transaction is for the planned
    amount, a follow-up refers to a transaction the payment has."""
    facts = event.facts_as(NuveiFacts)
    for change in event.transactions:
        told = facts.about(change.interaction_id)
        if told is not None and told.follow_up:
            related = told.related_transaction_id
            if not any(t.interaction_id == related for t in payment.transactions):
                raise InvalidNotification(f"relatedTransactionId {related!r} is not a transaction of this payment")
        elif change.amount is not None and change.amount.amount != payment.amount_planned.amount:
            raise InvalidNotification(
                f"totalAmount {change.amount.decimal_text()} is not the payment's {payment.amount_planned.decimal_text()}"
            )


# -- reconciliation


def read_back_event(
    payment: Payment,
    asked: Mapping[str, Any],
    by_id: Iterable[tuple[Transaction, TransactionDetails]],
    latest: TransactionDetails | None,
) -> Event | None:
    """What Nuvei's read-back says of a payment: the state of each Pending transaction it
    found by id, and its latest transaction (by clientUniqueId) where the payment records
    none yet, or records a Pending one of that type without Nuvei's id (a modification
    whose answer never came). None when Nuvei said nothing the payment can take."""
    changes, answered = [], []
    for transaction, details in by_id:
        answered.append(details)
        if TRANSACTION_TYPES.get(details.type) == transaction.type:
            changes.append(
                TransactionChange(transaction.type, details.state, details.transaction_id, transaction.amount)
            )
    if latest is not None:
        answered.append(latest)
        change = _latest_change(payment, latest)
        if change is not None:
            changes.append(change)
    if not changes:
        return None
    status = next(d.status for d in reversed(answered) if d.transaction_id == changes[-1].interaction_id)
    return Event(
        payment_id=payment.id,
        interaction=Interaction(READ_BACK_INTERACTION, dict(asked), {"transactions": [d.logged() for d in answered]}),
        transactions=tuple(changes),
        status_code=status,
        status_text=_status_text(status, None),
        facts=NuveiFacts(tuple(answered)),
    )


def _latest_change(payment: Payment, latest: TransactionDetails) -> TransactionChange | None:
    type_ = TRANSACTION_TYPES.get(latest.type)
    if type_ is None or any(t.interaction_id == latest.transaction_id for t in payment.transactions):
        return None
    if not payment.transactions:
        # The shopper paid and the DMN never came; its amount is the planned one (a DMN
        # for another amount would be refused too).
        return TransactionChange(type_, latest.state, latest.transaction_id) if latest.type in OPENINGS else None
    unidentified = [t for t in payment.transactions if t.state == "Pending" and t.interaction_id is None]
    candidates = [t for t in unidentified if t.type == type_]
    if len(candidates) != 1:  # none, or no telling which
        return None
    return TransactionChange(type_, latest.state, latest.transaction_id, candidates[0].amount)


# -- capture, refund, cancel


@dataclass(frozen=True)
class Operation:
    method: str  # the API method
    transaction_type: str  # the transactionType Nuvei gives what it creates
    interaction: str  # the interaction's type


OPERATIONS = {
    CHARGE: Operation("settleTransaction.do", "Settle", "nuvei.settle"),
    REFUND: Operation("refundTransaction.do", "Credit", "nuvei.refund"),
    CANCEL: Operation("voidTransaction.do", "Void", "nuvei.void"),
}
# Nuvei's errCode for a clientRequestId it has seen before (its duplicate guard): the
# modification was made by an earlier call (inferred: Nuvei's pages list no code).
REPEATED_REQUEST_CODES = frozenset({"1069"})


@dataclass(frozen=True)
class NuveiModification:
    """A prepared settle, refund or void: the request's fields (the client signs them),
    and what tells the first call's transaction if Nuvei refuses this one as a repeat."""

    operation: Operation
    fields: dict[str, str]
    known_ids: frozenset[str]  # Nuvei transaction ids the payment already records
    alone: bool  # the only modification of its type that this Update asks for


def modification_call(payment: Payment, modification: Modification, balance: Balance) -> ModificationCall:
    """The Nuvei call for a capture (settle the Auth), a refund (of the Sale or Settle it
    comes from) or a cancellation (void the Auth); clientRequestId is commercetools'
    transaction id, so that a repeat is recognised by Nuvei as one."""
    operation = OPERATIONS[modification.type]
    if modification.type == REFUND:
        related = _refunded_charge(payment, modification, balance)
    else:
        related = _authorization(payment, modification)
    fields = {
        "clientRequestId": modification.transaction_id,
        "clientUniqueId": payment.id,
        "amount": modification.amount.decimal_text(),
        "currency": modification.amount.currency,
        "relatedTransactionId": related,
    }
    auth_code = authorization_code(payment, related)
    if auth_code:
        fields["authCode"] = auth_code
    siblings = [t for t in payment.transactions if t.state == "Initial" and t.type == modification.type]
    prepared = NuveiModification(
        operation,
        fields,
        known_ids=frozenset(t.interaction_id for t in payment.transactions if t.interaction_id),
        alone=len(siblings) == 1,
    )
    return ModificationCall(operation.interaction, prepared, dict(fields))


def _authorization(payment: Payment, modification: Modification) -> str:
    """The Auth that a settle or void relates to: the payment's last successful one."""
    found = authorization_id(payment)
    if found is None:
        raise OperationNotPossible("nuvei", modification.field, "the payment records no Nuvei authorization")
    return found


def _refunded_charge(payment: Payment, modification: Modification, balance: Balance) -> str:
    """The Sale or Settle a refund relates to. Nuvei refunds one of them at a time: the
    refunds so far are counted against the charges in order, and the refund goes to the
    first one with something left; more than that one holds is refused before any call."""
    for charge_id, left in charges_left(payment, balance):
        if left <= 0:
            continue
        if modification.amount.cent_amount > left:
            remaining = Money(left, modification.amount.currency, modification.amount.fraction_digits)
            raise OperationNotPossible(
                "nuvei",
                modification.field,
                f"nuvei refunds one capture at a time: {remaining.decimal_text()} {remaining.currency} is left of "
                f"capture {charge_id}; refund more in another transaction",
            )
        return charge_id
    raise OperationNotPossible("nuvei", modification.field, "the payment records no Nuvei capture to refund")


def authorization_code(payment: Payment, related_id: str) -> str | None:
    """The authCode of the authorization behind the Nuvei transaction `related_id`, as
    Nuvei's word recorded it on the payment (a verified DMN or a read-back): the
    payment's Auth, or the Sale a refund relates to."""
    # The latest successful Auth even where it lacks Nuvei's id (its code is then unknown).
    auth_id = next(
        (t.interaction_id for t in reversed(payment.transactions) if t.type == AUTHORIZATION and t.state == "Success"),
        related_id,
    )
    for interaction in payment.interactions:
        if interaction.type not in _VERIFIED_BY_NUVEI or not interaction.response:
            continue
        try:
            said = json.loads(interaction.response).get("transactions", [])
        except (ValueError, AttributeError):
            continue
        for told in said if isinstance(said, list) else []:
            if isinstance(told, dict) and told.get("transactionId") == auth_id and told.get("authCode"):
                return str(told["authCode"])
    return None


def modification_result(answer: Mapping[str, Any]) -> ModificationResult:
    """The outcome of a settle, refund or void that Nuvei accepted (status SUCCESS): its
    transactionStatus; an unknown one is Pending."""
    state = state_or_pending(TRANSACTION_STATES, answer.get("transactionStatus"), "nuvei")
    return ModificationResult(state, redact(answer), _text(answer.get("transactionId")))


def refused_as_repeat(answer: Mapping[str, Any]) -> bool:
    """Whether Nuvei refused the request because its clientRequestId was used before."""
    return not same_status(answer.get("status"), SUCCESS) and str(answer.get("errCode")) in REPEATED_REQUEST_CODES


def repeated_result(
    prepared: NuveiModification, answer: Mapping[str, Any], latest: TransactionDetails | None
) -> ModificationResult:
    """The outcome of a modification Nuvei refused as a repeat: the first call's, read
    back as the payment's latest transaction at Nuvei, when that is surely it; else
    Pending without an id (Nuvei's DMN or the reconciliation settles it). Never a
    Failure: the first call may have moved the money."""
    response: dict[str, Any] = {"repeat": redact(answer), "latest": latest.logged() if latest else None}
    surely_it = (
        latest is not None
        and prepared.alone
        and same_status(latest.type, prepared.operation.transaction_type)
        and latest.related_transaction_id == prepared.fields["relatedTransactionId"]
        and latest.transaction_id not in prepared.known_ids
    )
    if not surely_it or latest is None:
        return ModificationResult("Pending", response)
    return ModificationResult(latest.state, response, latest.transaction_id)
