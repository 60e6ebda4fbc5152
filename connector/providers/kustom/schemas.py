"""What the connector accepts from the storefront for Kustom, and what it reads in
Kustom's notifications and orders.

Kustom counts every amount in minor units (integers) and a tax rate in hundredths of a
percent (2500 = 25 %). The line and tax rules are Kustom's own, checked here so that a
storefront learns about a wrong line before anyone is charged.
"""

from __future__ import annotations

from decimal import Decimal

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ...status_words import OneOfStatus

LINE_TYPES = ("physical", "discount", "shipping_fee", "sales_tax", "digital", "gift_card", "store_credit", "surcharge")
# Lines whose amounts are negative (the documentation says so of discount lines only).
NEGATIVE_LINE_TYPES = frozenset({"discount"})
MAX_LINE_AMOUNT = 100_000_000
FRAUD_DECISIONS = ("FRAUD_RISK_ACCEPTED", "FRAUD_RISK_REJECTED", "FRAUD_RISK_STOPPED")

# Kustom's customer tokens and order ids are UUIDs; letters, digits, "-" and "_" are
# allowed (inferred), which also keeps them safe inside a URL path.
_IDENTIFIER = validate.Regexp(
    r"^[A-Za-z0-9_-]{1,100}$", error="must be a Kustom token or id (letters, digits, - and _)"
)
_COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166-1 alpha-2 country code")


def _integer(**kwargs) -> fields.Integer:
    """A JSON integer: Kustom refuses 19.99 and "1999" alike."""
    return fields.Integer(strict=True, **kwargs)


class _PassThrough(Schema):
    """Known fields are checked; Kustom's other optional fields pass through."""

    class Meta:
        unknown = INCLUDE


class ProductIdentifiersSchema(_PassThrough):
    brand = fields.String()
    category_path = fields.String()
    global_trade_item_number = fields.String()
    manufacturer_part_number = fields.String()
    color = fields.String(validate=validate.Length(max=64))
    size = fields.String(validate=validate.Length(max=64))


class SubscriptionSchema(_PassThrough):
    name = fields.String(required=True, validate=validate.Length(min=1))
    interval = fields.String(required=True, validate=validate.OneOf(("DAY", "WEEK", "MONTH", "YEAR")))
    interval_count = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))


class OrderLineSchema(_PassThrough):
    name = fields.String(required=True, validate=validate.Length(min=1))
    type = fields.String(validate=validate.OneOf(LINE_TYPES))
    reference = fields.String(validate=validate.Length(max=256))
    quantity = _integer(required=True, validate=validate.Range(min=0))
    quantity_unit = fields.String(validate=validate.Length(min=1, max=8))
    unit_price = _integer(required=True, validate=validate.Range(min=-MAX_LINE_AMOUNT, max=MAX_LINE_AMOUNT))
    tax_rate = _integer(validate=validate.Range(min=0))
    total_amount = _integer(required=True, validate=validate.Range(min=-MAX_LINE_AMOUNT, max=MAX_LINE_AMOUNT))
    total_discount_amount = _integer(validate=validate.Range(min=0))
    total_tax_amount = _integer()
    merchant_data = fields.String(validate=validate.Length(max=255))
    image_url = fields.String(validate=validate.Length(max=1024))
    product_url = fields.String(validate=validate.Length(max=1024))
    product_identifiers = fields.Nested(ProductIdentifiersSchema)
    subscription = fields.Nested(SubscriptionSchema)

    @validates_schema
    def kustom_line_rules(self, line, **_):
        errors = {**_sign_errors(line), **_amount_errors(line)}
        if errors:
            raise ValidationError(errors)


def _sign_errors(line: dict) -> dict[str, str]:
    line_type = line.get("type", "physical")
    sign = -1 if line_type in NEGATIVE_LINE_TYPES else 1
    message = f"must not be {'positive' if sign < 0 else 'negative'} on a {line_type} line"
    return {
        name: message for name in ("unit_price", "total_amount", "total_tax_amount") if line.get(name, 0) * sign < 0
    }


def _amount_errors(line: dict) -> dict[str, str]:
    errors = {}
    expected_total = line["quantity"] * line["unit_price"] - line.get("total_discount_amount", 0)
    if line["total_amount"] != expected_total:
        errors["total_amount"] = f"must be quantity × unit_price − total_discount_amount = {expected_total}"
    if not tax_fits(line["total_amount"], line.get("tax_rate", 0), line.get("total_tax_amount", 0)):
        errors["total_tax_amount"] = (
            "must be within ±1 of total_amount − total_amount × 10000 / (10000 + tax_rate)"
            f" ≈ {line_tax(line['total_amount'], line.get('tax_rate', 0)):.2f}"
        )
    return errors


def line_tax(total_amount: int, tax_rate: int) -> Decimal:
    """The tax Kustom expects in a line's total, for messages (tax_fits decides)."""
    return Decimal(total_amount * tax_rate) / Decimal(10_000 + tax_rate)


def tax_fits(total_amount: int, tax_rate: int, total_tax_amount: int) -> bool:
    """|total_tax_amount − total_amount × tax_rate / (10000 + tax_rate)| ≤ 1, which is
    Kustom's rule, in integers (no rounding at the edge of the tolerance)."""
    divisor = 10_000 + tax_rate
    return abs(total_tax_amount * divisor - total_amount * tax_rate) <= divisor


class MerchantUrlsSchema(_PassThrough):
    confirmation = fields.Url(required=True, schemes={"http", "https"}, validate=validate.Length(max=2000))
    push = fields.Raw()  # owned by the connector, compared separately


class AttachmentSchema(_PassThrough):
    body = fields.String(required=True)
    content_type = fields.String(required=True)


class ShippingAddressSchema(_PassThrough):
    country = fields.String(validate=_COUNTRY)
    email = fields.Email()


class SessionRequestSchema(_PassThrough):
    customerToken = fields.String(required=True, validate=_IDENTIFIER)
    order_lines = fields.List(fields.Nested(OrderLineSchema), required=True, validate=validate.Length(min=1, max=1000))
    merchant_urls = fields.Nested(MerchantUrlsSchema, required=True)
    order_tax_amount = _integer(validate=validate.Range(min=0))
    auto_capture = fields.Boolean()
    merchant_reference2 = fields.String(validate=validate.Length(max=255))
    merchant_data = fields.String(validate=validate.Length(max=6000))
    shipping_address = fields.Nested(ShippingAddressSchema)
    attachment = fields.Nested(AttachmentSchema)
    # Owned by the connector (compared separately): they may only repeat its values.
    merchant_reference1 = fields.Raw()
    purchase_currency = fields.Raw()
    order_amount = fields.Raw()

    @validates_schema
    def tax_adds_up(self, request, **_):
        lines_tax = tax_total(request["order_lines"])
        if request.get("order_tax_amount", lines_tax) != lines_tax:
            raise ValidationError(f"must be the sum of the lines' total_tax_amount, {lines_tax}", "order_tax_amount")


def tax_total(lines: list[dict]) -> int:
    return sum(line.get("total_tax_amount", 0) for line in lines)


class FraudDecisionSchema(Schema):
    """Kustom's decision on a pending order, posted as JSON."""

    class Meta:
        unknown = EXCLUDE

    order_id = fields.String(required=True, validate=_IDENTIFIER)
    event_type = fields.String(required=True, validate=OneOfStatus(FRAUD_DECISIONS))


class PushSchema(Schema):
    """A push: our URL with Kustom's {checkout.order.id} placeholder filled in."""

    class Meta:
        unknown = EXCLUDE

    order_id = fields.String(required=True, validate=_IDENTIFIER)


class CaptureSchema(Schema):
    """One capture as order management lists it."""

    class Meta:
        unknown = EXCLUDE

    capture_id = fields.String(required=True, validate=validate.Length(min=1))
    captured_amount = _integer(required=True, validate=validate.Range(min=1))
    captured_at = fields.String(load_default=None)


# Alike in shape to CaptureSchema, on purpose: Kustom names each one's fields its own way (refund_id, refunded_*).
class RefundSchema(Schema):
    """One refund as order management lists it."""

    class Meta:
        unknown = EXCLUDE

    refund_id = fields.String(required=True, validate=validate.Length(min=1))
    refunded_amount = _integer(required=True, validate=validate.Range(min=1))
    refunded_at = fields.String(load_default=None)


class OrderSchema(Schema):
    """The order management fields the connector uses; Kustom sends many more
    (addresses, lines) that stay out of commercetools.

    `captures` and `refunds` (each with its id and amount) are Klarna's order object,
    which Kustom forked; Kustom's pages show only the totals (inferred). An order
    without them lists no capture or refund."""

    class Meta:
        unknown = EXCLUDE

    order_id = fields.String(required=True)
    status = fields.String(required=True)
    fraud_status = fields.String(required=True)
    order_amount = _integer(required=True, validate=validate.Range(min=0))
    captured_amount = _integer(load_default=0, validate=validate.Range(min=0))
    refunded_amount = _integer(load_default=0, validate=validate.Range(min=0))
    remaining_authorized_amount = _integer(load_default=None, validate=validate.Range(min=0))
    captures = fields.List(fields.Nested(CaptureSchema), load_default=list)
    refunds = fields.List(fields.Nested(RefundSchema), load_default=list)
    purchase_currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    merchant_reference1 = fields.String(load_default=None)
