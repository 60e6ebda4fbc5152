"""commercetools payment update actions, as plain JSON-ready dicts.

`session_actions` is what a new provider session writes (extension and /openOrder);
`modification_actions` what a capture, refund or cancellation writes onto the merchant's
Initial transaction; `event_actions` is what a notification writes, and [] when it would
change nothing, so that a repeat is recognised before anything is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from .custom_types import INTERACTION_TYPE, PAYMENT_TYPE
from .modifications import Modification
from .payment import Payment, Transaction
from .providers.base import Event, Interaction, ModificationCall, ModificationResult, Session, TransactionChange

# The payment fields a session writes (sessionRequest is the storefront's).
SESSION_FIELD_NAMES = frozenset({"sessionToken", "redirectUrl", "sessionResponse"})
# A transaction only moves forward; Success and Failure are final.
_STATE_RANK = {"Initial": 0, "Pending": 1, "Success": 2, "Failure": 2}


def session_actions(payment: Payment, session: Session, correlation_id: str) -> list[dict]:
    fields = {
        "sessionToken": session.session_token,
        "redirectUrl": session.redirect_url,
        "sessionResponse": _json(session.response) if session.response is not None else None,
    }
    actions = set_custom_fields(payment, fields)
    if session.interface_id and session.interface_id != payment.interface_id:
        actions.append({"action": "setInterfaceId", "interfaceId": session.interface_id})
    actions += status_actions(payment, session.status_code, session.status_text)
    for change in session.transactions:
        actions += transaction_actions(payment, change)
    actions += [add_interaction(interaction, correlation_id) for interaction in session.interactions]
    return actions


def modification_actions(
    modification: Modification, sent: ModificationCall, result: ModificationResult, correlation_id: str
) -> list[dict]:
    transaction_id = modification.transaction_id
    actions: list[dict] = [{"action": "changeTransactionState", "transactionId": transaction_id, "state": result.state}]
    if result.interaction_id:
        actions.append(
            {
                "action": "changeTransactionInteractionId",
                "transactionId": transaction_id,
                "interactionId": result.interaction_id,
            }
        )
    actions.append(add_interaction(Interaction(sent.operation, sent.logged, result.response), correlation_id))
    return actions


def event_actions(payment: Payment, event: Event, correlation_id: str) -> list[dict]:
    interaction = add_interaction(event.interaction, correlation_id)
    if payment.has_interaction(event.interaction.type, interaction["fields"]["request"]):
        return []  # this very notification was applied before
    if event.transactions:
        effect = [action for change in event.transactions for action in transaction_actions(payment, change)]
        if effect:  # the status follows the transactions, so a stale event leaves it be
            effect += status_actions(payment, event.status_code, event.status_text)
    else:
        effect = status_actions(payment, event.status_code, event.status_text)
    return [*effect, interaction] if effect else []


def transaction_actions(payment: Payment, change: TransactionChange) -> list[dict]:
    existing = payment.transaction(change.interaction_id, change.type) or _awaiting(payment, change)
    if existing is None:
        return [add_transaction(payment, change)]
    actions = []
    if existing.interaction_id is None:
        # The extension recorded it without the provider's id (no answer in time): the
        # notification names it, and a repeat of the notification then finds it by id.
        actions.append(
            {
                "action": "changeTransactionInteractionId",
                "transactionId": existing.id,
                "interactionId": change.interaction_id,
            }
        )
    if _moves_forward(existing, change.state):
        actions.append({"action": "changeTransactionState", "transactionId": existing.id, "state": change.state})
    return actions


def _awaiting(payment: Payment, change: TransactionChange) -> Transaction | None:
    """The Pending transaction a notification without a recorded id is about: the first
    of its type and amount that has no interaction id yet, or, for providers whose
    notifications never carry the id the extension recorded, any of them."""
    if change.amount is None:
        return None
    return next(
        (
            t
            for t in payment.transactions
            if t.state == "Pending"
            and t.type == change.type
            and t.amount is not None
            and (t.amount.currency, t.amount.amount) == (change.amount.currency, change.amount.amount)
            and (t.interaction_id is None or change.matches_pending)
        ),
        None,
    )


def _moves_forward(transaction: Transaction, state: str) -> bool:
    return _STATE_RANK[state] > _STATE_RANK[transaction.state]


def add_transaction(payment: Payment, change: TransactionChange) -> dict:
    transaction: dict[str, Any] = {
        "type": change.type,
        "amount": (change.amount or payment.amount_planned).to_draft(),
        "state": change.state,
        "interactionId": change.interaction_id,
    }
    if change.timestamp:
        transaction["timestamp"] = change.timestamp
    return {"action": "addTransaction", "transaction": transaction}


def status_actions(payment: Payment, code: str | None, text: str | None) -> list[dict]:
    if code is None or code == payment.status_code:
        return []
    actions = [{"action": "setStatusInterfaceCode", "interfaceCode": code}]
    if text is not None:
        actions.append({"action": "setStatusInterfaceText", "interfaceText": text})
    return actions


def set_custom_fields(payment: Payment, values: dict[str, str | None]) -> list[dict]:
    """Sets the connector's payment fields, adding its custom type when the payment has none."""
    values = {name: value for name, value in values.items() if value is not None}
    if payment.custom_fields is None:
        return [{"action": "setCustomType", "type": _type(PAYMENT_TYPE.key), "fields": values}]
    return [
        {"action": "setCustomField", "name": name, "value": value}
        for name, value in values.items()
        if payment.custom_fields.get(name) != value
    ]


def add_interaction(interaction: Interaction, correlation_id: str) -> dict:
    fields = {
        "type": interaction.type,
        "request": _json(interaction.request),
        "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "correlationId": correlation_id,
    }
    if interaction.response is not None:
        fields["response"] = _json(interaction.response)
    return {"action": "addInterfaceInteraction", "type": _type(INTERACTION_TYPE.key), "fields": fields}


def _type(key: str) -> dict:
    return {"typeId": "type", "key": key}


def _json(value: Any) -> str:
    # Sorted, so that the same notification always reads the same (see event_actions).
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()
