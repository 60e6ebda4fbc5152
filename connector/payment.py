"""A commercetools payment as the connector reads it: only the fields it uses.

The same schema reads the payment commercetools sends to the extension and the one the
notification service fetches, so both paths see identical objects. A well-formed payment
is read by a plain-Python fast path first (the extension answers inside the shopper's
checkout, and the schema's machinery costs more than the rest of the reading); anything
the fast path does not accept goes through the schema, which names every bad field.
Tests hold the two to the same result.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from .errors import InvalidInput
from .money import Money, minor_units

TRANSACTION_TYPES = ("Authorization", "CancelAuthorization", "Charge", "Refund", "Chargeback")
TRANSACTION_STATES = ("Initial", "Pending", "Success", "Failure")
SESSION_FIELDS = ("sessionToken", "redirectUrl")


@dataclass(frozen=True, slots=True)
class Transaction:
    id: str
    type: str
    state: str
    interaction_id: str | None
    amount: Money | None


@dataclass(frozen=True, slots=True)
class RecordedInteraction:
    """An interface interaction already on the payment: its type and request, which
    identify a notification that was applied, and the answer it recorded (where a
    provider keeps what it must find again, e.g. Nuvei's authCode)."""

    type: str | None
    request: str | None
    response: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    version: int
    amount_planned: Money
    payment_interface: str | None
    custom_type_id: str | None  # None: the payment has no custom type
    custom_fields: Mapping[str, Any] | None
    interface_id: str | None
    status_code: str | None
    transactions: tuple[Transaction, ...]
    interactions: tuple[RecordedInteraction, ...] = ()

    @property
    def provider_name(self) -> str | None:
        return self.payment_interface.lower() if self.payment_interface else None

    def custom_field(self, name: str) -> Any:
        return (self.custom_fields or {}).get(name)

    @property
    def has_session(self) -> bool:
        """The provider was already called for this payment."""
        return bool(self.interface_id) or any(self.custom_field(f) for f in SESSION_FIELDS)

    def session_request(self) -> dict[str, Any]:
        """The storefront's `sessionRequest` custom field as an object ({} when absent)."""
        raw = self.custom_field("sessionRequest")
        if raw is None or raw == "":
            return {}
        try:
            value = _strict_json(raw) if isinstance(raw, str) else raw
        except _NumberOutOfRange as error:
            raise InvalidInput.field("sessionRequest", f"holds {error}, beyond what providers' APIs take") from None
        except ValueError:
            raise InvalidInput.field("sessionRequest", "is not valid JSON") from None
        if not isinstance(value, dict):
            raise InvalidInput.field("sessionRequest", "must be a JSON object")
        return value

    def has_interaction(self, type_: str, request: str) -> bool:
        return any(i.type == type_ and i.request == request for i in self.interactions)

    def transaction(self, interaction_id: str, type_: str) -> Transaction | None:
        return next(
            (t for t in self.transactions if t.interaction_id == interaction_id and t.type == type_),
            None,
        )

    def recorded_or_awaiting(self, type_: str, interaction_id: str) -> tuple[Transaction, ...]:
        """The transactions of a type that the extension recorded under `interaction_id`,
        or that wait Pending without any id (the provider's answer never came); in the
        payment's order."""
        return tuple(
            t
            for t in self.transactions
            if t.type == type_
            and (t.interaction_id == interaction_id or (t.interaction_id is None and t.state == "Pending"))
        )

    @classmethod
    def from_json(cls, data: Any) -> Payment:
        """Reads commercetools' JSON; InvalidInput names each unusable field."""
        payment = read_well_formed(data)
        if payment is not None:
            return payment
        try:
            return _PAYMENT_SCHEMA.load(data)
        except ValidationError as error:
            raise InvalidInput.from_messages(error.messages) from None


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE  # commercetools adds fields over time


class MoneySchema(_Lenient):
    centAmount = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    currencyCode = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    fractionDigits = fields.Integer(load_default=None, validate=validate.Range(min=0, max=20))

    @post_load
    def to_money(self, data: dict, **_) -> Money:
        digits = data["fractionDigits"]
        if digits is None:
            digits = minor_units(data["currencyCode"])
        return Money(data["centAmount"], data["currencyCode"], digits)


class SignedMoneySchema(MoneySchema):
    centAmount = fields.Integer(required=True, strict=True)


class TransactionSchema(_Lenient):
    id = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(TRANSACTION_TYPES))
    state = fields.String(required=True, validate=validate.OneOf(TRANSACTION_STATES))
    interactionId = fields.String(load_default=None)
    # Signed: a merchant's transaction with a negative amount is read, so that the
    # extension can name it in its refusal.
    amount = fields.Nested(SignedMoneySchema, load_default=None)

    @post_load
    def to_transaction(self, data: dict, **_) -> Transaction:
        return Transaction(data["id"], data["type"], data["state"], data["interactionId"], data["amount"])


class PaymentMethodInfoSchema(_Lenient):
    paymentInterface = fields.String(load_default=None)


class PaymentStatusSchema(_Lenient):
    interfaceCode = fields.String(load_default=None)


class TypeReferenceSchema(_Lenient):
    id = fields.String(load_default=None)


class CustomFieldsSchema(_Lenient):
    type = fields.Nested(TypeReferenceSchema, load_default=dict)
    # "fields" would shadow Schema.fields, hence the data_key.
    values = fields.Dict(keys=fields.String(), load_default=dict, data_key="fields")


class InteractionSchema(_Lenient):
    values = fields.Dict(keys=fields.String(), load_default=dict, data_key="fields")

    @post_load
    def to_interaction(self, data: dict, **_) -> RecordedInteraction:
        values = data["values"]
        return RecordedInteraction(values.get("type"), values.get("request"), values.get("response"))


class _NumberOutOfRange(ValueError):
    pass


def _strict_json(text: str) -> Any:
    """JSON as providers' APIs read it: numbers that fit 64-bit integers or finite
    doubles, no NaN or Infinity (which Python's json module would let through and pass on)."""
    return json.loads(text, parse_int=_int64, parse_float=_finite_float, parse_constant=_no_constant)


def _int64(text: str) -> int:
    number = int(text)
    if not -(2**63) <= number < 2**64:
        raise _NumberOutOfRange(f"the integer {text[:30]}")
    return number


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise _NumberOutOfRange(f"the number {text[:30]}")
    return number


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not JSON")


class PaymentSchema(_Lenient):
    id = fields.String(required=True, validate=validate.Length(min=1))
    version = fields.Integer(required=True, strict=True)
    amountPlanned = fields.Nested(MoneySchema, required=True)
    paymentMethodInfo = fields.Nested(PaymentMethodInfoSchema, load_default=dict)
    paymentStatus = fields.Nested(PaymentStatusSchema, load_default=dict)
    custom = fields.Nested(CustomFieldsSchema, load_default=None)
    interfaceId = fields.String(load_default=None)
    transactions = fields.List(fields.Nested(TransactionSchema), load_default=list)
    interfaceInteractions = fields.List(fields.Nested(InteractionSchema), load_default=list)

    @post_load
    def to_payment(self, data: dict, **_) -> Payment:
        custom = data["custom"]
        return Payment(
            id=data["id"],
            version=data["version"],
            amount_planned=data["amountPlanned"],
            payment_interface=data["paymentMethodInfo"].get("paymentInterface"),
            custom_type_id=None if custom is None else custom["type"].get("id"),
            custom_fields=None if custom is None else custom["values"],
            interface_id=data["interfaceId"],
            status_code=data["paymentStatus"].get("interfaceCode"),
            transactions=tuple(data["transactions"]),
            interactions=tuple(data["interfaceInteractions"]),
        )


_PAYMENT_SCHEMA = PaymentSchema()


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def read_well_formed(data: Any) -> Payment | None:
    """The payment PaymentSchema would read, when `data` is plainly well formed; None
    whenever the schema is to decide (it is stricter about nothing the fast path accepts)."""
    if not isinstance(data, dict):
        return None
    payment_id, version = data.get("id"), data.get("version")
    amount = _money(data.get("amountPlanned"))
    method = data.get("paymentMethodInfo", {})
    status = data.get("paymentStatus", {})
    custom = data.get("custom")
    interface_id = data.get("interfaceId")
    if not (
        type(payment_id) is str
        and payment_id
        and type(version) is int
        and amount is not None
        and type(method) is dict
        and _optional_text(method.get("paymentInterface"))
        and type(status) is dict
        and _optional_text(status.get("interfaceCode"))
        and _optional_text(interface_id)
        and (custom is None or type(custom) is dict)
    ):
        return None
    custom_type_id = custom_fields = None
    if custom is not None:
        reference, custom_fields = custom.get("type", {}), custom.get("fields", {})
        if type(reference) is not dict or not _optional_text(reference.get("id")) or type(custom_fields) is not dict:
            return None
        if not all(type(name) is str for name in custom_fields):
            return None
        custom_type_id = reference.get("id")
    transactions = _transactions(data.get("transactions", []))
    interactions = _interactions(data.get("interfaceInteractions", []))
    if transactions is None or interactions is None:
        return None
    return Payment(
        id=payment_id,
        version=version,
        amount_planned=amount,
        payment_interface=method.get("paymentInterface"),
        custom_type_id=custom_type_id,
        custom_fields=custom_fields,
        interface_id=interface_id,
        status_code=status.get("interfaceCode"),
        transactions=transactions,
        interactions=interactions,
    )


def _optional_text(value: Any) -> bool:
    return value is None or type(value) is str


def _money(value: Any, signed: bool = False) -> Money | None:
    if type(value) is not dict:
        return None
    cents, currency, digits = value.get("centAmount"), value.get("currencyCode"), value.get("fractionDigits")
    if (
        type(cents) is not int
        or (cents < 0 and not signed)
        or type(currency) is not str
        or not _CURRENCY.match(currency)
    ):
        return None
    if digits is None:
        return Money(cents, currency, minor_units(currency))
    if type(digits) is not int or not 0 <= digits <= 20:
        return None
    return Money(cents, currency, digits)


def _transactions(value: Any) -> tuple[Transaction, ...] | None:
    if type(value) is not list:
        return None
    read = []
    for item in value:
        if type(item) is not dict:
            return None
        transaction_id, type_, state = item.get("id"), item.get("type"), item.get("state")
        interaction_id, amount = item.get("interactionId"), item.get("amount")
        money = None if amount is None else _money(amount, signed=True)
        if (
            type(transaction_id) is not str
            or type_ not in TRANSACTION_TYPES
            or state not in TRANSACTION_STATES
            or not _optional_text(interaction_id)
            or (amount is not None and money is None)
        ):
            return None
        read.append(Transaction(transaction_id, type_, state, interaction_id, money))
    return tuple(read)


def _interactions(value: Any) -> tuple[RecordedInteraction, ...] | None:
    if type(value) is not list:
        return None
    read = []
    for item in value:
        values = item.get("fields", {}) if type(item) is dict else None
        if type(values) is not dict or not all(type(name) is str for name in values):
            return None
        read.append(RecordedInteraction(values.get("type"), values.get("request"), values.get("response")))
    return tuple(read)
