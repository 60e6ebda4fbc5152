"""Capture, refund and cancel, as a merchant asks for them: a transaction in state
`Initial` added to a payment. What may be asked is computed here, before any provider is
called, from the payment's own transactions, in exact minor units.

A payment's balance:
  - capturable  = Success Authorization − Success/Pending Charge − Success/Pending CancelAuthorization
  - refundable  = Success Charge − Success/Pending Refund
  - cancellable = the same as capturable: what is authorized and neither captured nor released
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from .errors import FieldError, InvalidInput, OperationNotPossible
from .money import Money
from .payment import Payment, Transaction

CHARGE = "Charge"
REFUND = "Refund"
CANCEL = "CancelAuthorization"
AUTHORIZATION = "Authorization"
# The transaction types a merchant adds in state Initial to move money after checkout.
MODIFICATION_TYPES = (CHARGE, REFUND, CANCEL)
# What one provider call may move: any part of what is available (several calls may
# follow), or only all of it at once.
PARTIAL = "partial"
WHOLE = "whole"

# For messages: what the merchant asked for, and what the available amount is.
_ASKED = {CHARGE: "capture", REFUND: "refund", CANCEL: "cancellation"}
_AVAILABLE = {
    CHARGE: "still authorized",
    REFUND: "captured and not refunded",
    CANCEL: "authorized and not captured",
}
# States in which a transaction counts: a Pending capture may still take the money.
_TAKEN = ("Success", "Pending")


@dataclass(frozen=True)
class Modification:
    """A capture, refund or cancellation the merchant asked for."""

    transaction_id: str  # commercetools' id: the provider's idempotency key
    type: str  # Charge, Refund or CancelAuthorization
    amount: Money
    index: int  # the transaction's position on the payment, to name it in errors

    @property
    def field(self) -> str:
        return f"transactions[{self.index}].amount"

    @property
    def asked(self) -> str:
        """capture, refund, cancellation."""
        return _ASKED[self.type]


@dataclass(frozen=True)
class Balance:
    """What a payment's transactions hold, in minor units of its currency."""

    authorized: int = 0  # Success Authorization
    charged_for_sure: int = 0  # Success Charge
    refunded: int = 0  # Success or Pending Refund
    cancelled: int = 0  # Success or Pending CancelAuthorization
    charging: int = 0  # Pending Charge (a sale still waiting for the provider's validation)

    @property
    def charged(self) -> int:
        """Success or Pending Charge."""
        return self.charged_for_sure + self.charging

    @classmethod
    def of(cls, transactions: Iterable[Transaction], currency: str) -> Balance:
        balance = cls()
        for transaction in transactions:
            if transaction.amount is not None and transaction.amount.currency == currency:
                balance = balance.with_transaction(transaction.type, transaction.state, transaction.amount.cent_amount)
        return balance

    def with_transaction(self, type_: str, state: str, cents: int) -> Balance:
        """The balance once a transaction of this type and state is counted too."""
        if state not in _TAKEN:
            return self
        if type_ == AUTHORIZATION:
            return replace(self, authorized=self.authorized + cents) if state == "Success" else self
        if type_ == CHARGE:
            if state == "Success":
                return replace(self, charged_for_sure=self.charged_for_sure + cents)
            return replace(self, charging=self.charging + cents)
        if type_ == REFUND:
            return replace(self, refunded=self.refunded + cents)
        if type_ == CANCEL:
            return replace(self, cancelled=self.cancelled + cents)
        return self

    def available(self, type_: str) -> int:
        """What a modification of this type may move at most."""
        if type_ == REFUND:
            return max(self.charged_for_sure - self.refunded, 0)
        return max(self.authorized - self.charged - self.cancelled, 0)


def authorization_id(payment: Payment) -> str | None:
    """The provider's id (interactionId) of the payment's latest successful Authorization
    that has one: what a capture or cancellation relates to."""
    found = [
        t.interaction_id
        for t in payment.transactions
        if t.type == AUTHORIZATION and t.state == "Success" and t.interaction_id
    ]
    return found[-1] if found else None


def charges_left(payment: Payment, balance: Balance, currency: str | None = None) -> Iterator[tuple[str, int]]:
    """The provider's id (interactionId) of each successful Charge that has one, in order,
    with the minor units left to refund of it: the balance's refunds counted against the
    Charges in order. With a `currency`, only the Charges in that currency count."""
    refunded = balance.refunded
    for charge in payment.transactions:
        if charge.type != CHARGE or charge.state != "Success" or not charge.interaction_id:
            continue
        if currency is not None and (charge.amount is None or charge.amount.currency != currency):
            continue
        held = charge.amount.cent_amount if charge.amount else 0
        taken = min(held, refunded)
        refunded -= taken
        yield charge.interaction_id, held - taken


def requested(payment: Payment) -> list[Modification]:
    """The payment's Initial transactions of the three modification types, in order;
    InvalidInput names each whose amount cannot be carried out at all."""
    modifications, errors = [], []
    for index, transaction in enumerate(payment.transactions):
        if transaction.state != "Initial" or transaction.type not in MODIFICATION_TYPES:
            continue
        amount = transaction.amount
        field = f"transactions[{index}].amount"
        if amount is None:
            errors.append(FieldError(field, "is required"))
        elif amount.currency != payment.amount_planned.currency:
            errors.append(
                FieldError(field, f"is in {amount.currency}, the payment in {payment.amount_planned.currency}")
            )
        elif amount.cent_amount <= 0:
            errors.append(FieldError(field, f"must be greater than 0, got {amount.decimal_text()}"))
        else:
            modifications.append(Modification(transaction.id, transaction.type, amount, index))
    if errors:
        raise InvalidInput(errors)
    return modifications


def check(
    modification: Modification, left: int, provider: str, reach: Mapping[str, str], cannot: Mapping[str, str]
) -> None:
    """Raises OperationNotPossible when the provider cannot carry out the modification
    (`reach`: type → PARTIAL or WHOLE; `cannot`: why not, for the others), InvalidInput
    when it asks for more than the `left` minor units available."""
    scope = reach.get(modification.type)
    if scope is None:
        why = cannot.get(modification.type, f"{provider} offers no {modification.asked}")
        raise OperationNotPossible(provider, modification.field, f"{provider} cannot {_verb(modification)}: {why}")
    amount = modification.amount
    remaining = Money(left, amount.currency, amount.fraction_digits)
    if amount.cent_amount > left:
        raise InvalidInput.field(
            modification.field,
            f"{modification.asked} of {_text(amount)} exceeds the {_text(remaining)} {_AVAILABLE[modification.type]}",
        )
    if scope == WHOLE and amount.cent_amount != left:
        raise OperationNotPossible(
            provider,
            modification.field,
            f"{provider} can only {_verb(modification)} everything that is left at once: {_text(remaining)}, "
            f"not {_text(amount)}",
        )


def _verb(modification: Modification) -> str:
    return {CHARGE: "capture", REFUND: "refund", CANCEL: "cancel"}[modification.type]


def _text(money: Money) -> str:
    return f"{money.decimal_text()} {money.currency}"
