"""A commercetools payment as the connector reads it: only the fields it uses.

The same schema reads the payment commercetools sends to the extension and the one the
notification service fetches, so both paths see identical objects.
"""
from __future__ import annotations

import json
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
    identify a notification that was applied."""

    type: str | None
    request: str | None


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
            value = json.loads(raw) if isinstance(raw, str) else raw
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

    @classmethod
    def from_json(cls, data: Any) -> Payment:
        """Reads commercetools' JSON; InvalidInput names each unusable field."""
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


class TransactionSchema(_Lenient):
    id = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(TRANSACTION_TYPES))
    state = fields.String(required=True, validate=validate.OneOf(TRANSACTION_STATES))
    interactionId = fields.String(load_default=None)
    amount = fields.Nested(MoneySchema, load_default=None)

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
        return RecordedInteraction(values.get("type"), values.get("request"))


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
