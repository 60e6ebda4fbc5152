"""What the connector accepts from the storefront for Optty, and what it reads in
Optty's webhooks and order answers."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ...status_words import OneOfStatus

WEBHOOK_EVENTS = ("ORDER_ASYNC_CALLBACK", "ORDER_STATUS_UPDATE", "REFUND_CALLBACK")

_COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166-1 alpha-2 country code")
_CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="must be an ISO 4217 currency code")
# Optty says RFC 1766 and writes its examples with an underscore (en_US, en_AU).
_LOCALE = validate.Regexp(r"^[a-z]{2,3}([_-][A-Z]{2})?$", error="must be a locale such as en_US")
_UUID = validate.Regexp(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", error="must be a UUID"
)
_NOT_EMPTY = validate.Length(min=1)


class Amount(fields.Decimal):
    """A JSON number, non-negative, with at most 2 decimals: how Optty takes amounts."""

    default_error_messages = {  # noqa: RUF012 - marshmallow's own attribute, merged per class
        "not_number": "must be a JSON number",
        "amount": "must be a non-negative number with at most 2 decimals",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("not_number")
        amount = super()._deserialize(value, attr, data, **kwargs)
        assert amount is not None  # a number was given
        cents = amount.scaleb(2)
        if amount < 0 or cents != cents.to_integral_value():
            raise self.make_error("amount")
        return amount


class _Flag(fields.Boolean):
    """true or false, nothing that merely looks like them ("yes", 1)."""

    def __init__(self, **kwargs):
        super().__init__(truthy={True}, falsy={False}, **kwargs)


class _PassThrough(Schema):
    """Known fields are checked; Optty's other optional fields pass through."""

    class Meta:
        unknown = INCLUDE


class CustomerSchema(_PassThrough):
    # Which of these Optty insists on depends on the BNPL provider (GET /options);
    # name and email are the ones every provider asks for (inferred).
    firstName = fields.String(required=True, validate=_NOT_EMPTY)
    lastName = fields.String(required=True, validate=_NOT_EMPTY)
    email = fields.Email(required=True)
    phoneNumber = fields.String()


class AddressSchema(_PassThrough):
    firstName = fields.String()
    lastName = fields.String()
    email = fields.Email()
    phoneNumber = fields.String()
    streetAddress = fields.String()
    streetAddress2 = fields.String()
    city = fields.String()
    state = fields.String()
    region = fields.String()
    postalCode = fields.String()
    country = fields.String(required=True, validate=_COUNTRY)


class OrderItemSchema(_PassThrough):
    name = fields.String(required=True, validate=_NOT_EMPTY)
    sku = fields.String()
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    unitPrice = Amount(required=True)
    totalAmount = Amount(required=True)

    @validates_schema
    def total_is_quantity_times_unit_price(self, item, **_):
        expected = item["quantity"] * item["unitPrice"]
        if item["totalAmount"] != expected:
            raise ValidationError(f"must be quantity × unitPrice = {expected}", "totalAmount")


class SessionRequestSchema(_PassThrough):
    bnplProvider = fields.String(required=True, validate=_NOT_EMPTY)
    purchaseCountry = fields.String(required=True, validate=_COUNTRY)
    locale = fields.String(required=True, validate=_LOCALE)
    customer = fields.Nested(CustomerSchema, required=True)
    billingAddress = fields.Nested(AddressSchema, required=True)
    shippingAddress = fields.Nested(AddressSchema)
    orderItems = fields.List(fields.Nested(OrderItemSchema), required=True, validate=_NOT_EMPTY)
    shippingAmount = Amount()
    taxAmount = Amount()
    discountAmount = Amount()
    # Sent explicitly with Optty's defaults, so that the connector knows what it asked.
    autoCapture = _Flag(load_default=True)
    customerPresent = _Flag(load_default=True)
    getToken = _Flag()
    dynamicRedirectUrl = fields.Url(schemes={"https"})
    # Seconds; Optty says "number", whole seconds are assumed (inferred).
    cancellationTimeout = fields.Integer(strict=True, validate=validate.Range(min=1))
    checkoutSessionTimeout = fields.Integer(strict=True, validate=validate.Range(min=1))
    sessionId = fields.String(validate=_UUID)


class _Lenient(Schema):
    """What Optty sends: the fields the connector uses (and logs); Optty may send more."""

    class Meta:
        unknown = EXCLUDE


class WebhookDataSchema(_Lenient):
    # Ours are commercetools payment ids. Other characters mean another order than ours,
    # and a "/" (%2F, which servers decode) would make GET /orders/{orderReference} read
    # another path; the bound keeps the read-back URL sane.
    orderReference = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,256}$", error="must be a payment id (letters, digits, - and _)"),
    )
    status = fields.String(load_default=None)
    transactionId = fields.String(load_default=None)


class WebhookSchema(_Lenient):
    event = fields.String(required=True, validate=OneOfStatus(WEBHOOK_EVENTS))
    data = fields.Nested(WebhookDataSchema, required=True)


class _Movement(_Lenient):
    """One capture, refund or void of an order: Optty writes amounts as numbers or as
    decimal text ("240"); `status` in any spelling, absent for one that is done."""

    amount = fields.Decimal(required=True, validate=validate.Range(min=0))
    currency = fields.String(load_default=None, validate=_CURRENCY)
    status = fields.String(load_default=None)
    createdAt = fields.String(load_default=None)


# The three movements alike in shape, on purpose: _Movement holds what they share, each names its id and reference.
class CaptureSchema(_Movement):
    captureId = fields.String(required=True, validate=_NOT_EMPTY)
    captureReference = fields.String(load_default=None)


class RefundSchema(_Movement):
    refundId = fields.String(required=True, validate=_NOT_EMPTY)
    refundReference = fields.String(load_default=None)
    refundReason = fields.String(allow_none=True)
    refundFailureReason = fields.String(allow_none=True)


class VoidSchema(_Movement):
    voidedId = fields.String(required=True, validate=_NOT_EMPTY)
    voidReference = fields.String(load_default=None)


class OrderSchema(_Lenient):
    """GET /orders/{orderReference}: what Optty holds, the truth behind a webhook.

    `status` is Optty's word in its spelling (the creation answer writes it in lower
    case, GET in capitals); mapping.TRANSACTION_STATES reads any spelling.

    The order's captures, refunds and voids (inferred, the one place): Optty documents
    `orderCaptures` [{captureId, amount, status, createdAt}] and `refunds` [{refundId,
    amount, currency, status, createdAt, refundReason, refundFailureReason}] in its
    Transaction Details answer (POST /orders/{ref}/details), whose other fields are this
    answer's; the connector reads them here, and `orderVoids` [{voidedId, amount, status,
    createdAt}] alike. Optty's samples echo the merchant's reference as the id
    (captureId = captureReference, voidedId = voidReference), so a refund's refundId is
    taken to be its refundReference; where an entry names its reference, the reference
    counts."""

    merchantReference = fields.String(required=True, validate=_NOT_EMPTY)
    status = fields.String(required=True, validate=_NOT_EMPTY)
    amount = fields.Decimal(required=True, validate=validate.Range(min=0))
    currency = fields.String(required=True, validate=_CURRENCY)
    transactionReference = fields.String(required=True, validate=_NOT_EMPTY)
    provider = fields.String(allow_none=True)
    updatedAt = fields.String(allow_none=True)
    failureReason = fields.String(allow_none=True)
    bnplOrderId = fields.String(allow_none=True)
    cancelledBy = fields.String(allow_none=True)
    captureStatus = fields.String(allow_none=True)
    # Not in Optty's documentation of this answer; read where Optty sends them, with the
    # names of the creation answer (inferred). See client.py.
    orderId = fields.String(allow_none=True)
    orderToken = fields.String(allow_none=True)
    redirectUrl = fields.String(allow_none=True)
    orderCaptures = fields.List(fields.Nested(CaptureSchema), load_default=list)
    refunds = fields.List(fields.Nested(RefundSchema), load_default=list)
    orderVoids = fields.List(fields.Nested(VoidSchema), load_default=list)
