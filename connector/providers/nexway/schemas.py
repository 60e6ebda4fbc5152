"""What the connector accepts from the storefront for Nexway's CreateOrderRequest, and
what it reads in an order notification.

Nexway documents every field of CreateOrderRequest, so unknown keys are refused (a
misspelt key is named instead of silently dropped). Which customer fields are required
is inferred: Nexway marks few fields optional, and the connector asks for what an
invoice needs (email, language, invoice name and country) and leaves the rest to Nexway.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

# Nexway wants a province in the invoice address for these countries (its code 1048).
PROVINCE_COUNTRIES = ("US", "CA", "BR", "AU")
EXTERNAL_PAYMENT = "External Payment"

_COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166-1 alpha-2 country code")
_LANGUAGE = validate.Regexp(r"^[a-z]{2}_[A-Z]{2}$", error="must be a language and country, e.g. fr_FR")
_NOT_NEGATIVE = validate.Range(min=0)
_TEXT = validate.Length(min=1, max=255)


def _amount(**kwargs) -> fields.Decimal:
    # Decimal, never float: the line arithmetic must be exact.
    return fields.Decimal(validate=_NOT_NEGATIVE, **kwargs)


class LocationSchema(Schema):
    title = fields.Integer(strict=True, validate=validate.OneOf((0, 1, 2, 3)))  # 0 unknown, 1 Mr, 2 Mrs, 3 Ms
    firstName = fields.String(required=True, validate=_TEXT)
    lastName = fields.String(required=True, validate=_TEXT)
    companyName = fields.String(validate=_TEXT)
    address1 = fields.String(validate=_TEXT)
    address2 = fields.String(validate=_TEXT)
    city = fields.String(validate=_TEXT)
    zipCode = fields.String(validate=validate.Length(min=1, max=20))
    province = fields.String(validate=validate.Length(min=1, max=10))  # ISO 3166-2
    country = fields.String(required=True, validate=_COUNTRY)
    phone = fields.String(validate=validate.Length(min=1, max=30))
    fax = fields.String(validate=validate.Length(min=1, max=30))


class InvoiceLocationSchema(LocationSchema):
    @validates_schema
    def province_where_required(self, data, **_):
        if data.get("country") in PROVINCE_COUNTRIES and not data.get("province"):
            raise ValidationError({"province": [f"is required for {', '.join(PROVINCE_COUNTRIES)}"]})


class CustomerSchema(Schema):
    email = fields.Email(required=True)
    ipV4 = fields.IPv4()
    ipV6 = fields.IPv6()
    language = fields.String(required=True, validate=_LANGUAGE)
    locationInvoice = fields.Nested(InvoiceLocationSchema, required=True)
    locationDelivery = fields.Nested(LocationSchema)
    partnerId = fields.String(validate=_TEXT)


class DiscountSchema(Schema):
    foreignRef = fields.String(validate=_TEXT)
    label = fields.String(required=True, validate=_TEXT)
    operation = fields.String(required=True, validate=validate.OneOf(("Amount", "Percents")))
    operationValue = _amount(required=True)
    priceDelta = _amount(required=True)


class OrderLineSchema(Schema):
    productRef = fields.String(required=True, validate=_TEXT)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    amountDutyFree = _amount(required=True)
    vatRate = fields.Decimal(required=True, validate=validate.Range(min=0, max=100))
    amountTotal = _amount(required=True)
    endUserEmail = fields.Email()
    discounts = fields.List(fields.Nested(DiscountSchema))


# Alike in shape to Optty's capture and refund schemas, by chance: these are Nexway's own objects.
class MetadataSchema(Schema):
    key = fields.String(required=True, validate=_TEXT)
    value = fields.String(required=True)


class PaymentSchema(Schema):
    paymentMethod = fields.String(load_default=EXTERNAL_PAYMENT, validate=_TEXT)
    transactionId = fields.String(validate=_TEXT)


class SessionRequestSchema(Schema):
    customer = fields.Nested(CustomerSchema, required=True)
    orderLines = fields.List(fields.Nested(OrderLineSchema), required=True, validate=validate.Length(min=1))
    affiliateId = fields.Integer(strict=True)
    marketingProgramId = fields.String(validate=_TEXT)
    metadata = fields.List(fields.Nested(MetadataSchema))
    discounts = fields.List(fields.Nested(DiscountSchema))
    payment = fields.Nested(PaymentSchema, load_default=lambda: {"paymentMethod": EXTERNAL_PAYMENT})
    # Owned by the connector: accepted here, compared with its values by session_request.load.
    partnerOrderNumber = fields.String()
    currency = fields.String()
    orderDate = fields.String()


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE  # Nexway sends far more than the connector reads


class NotificationOrderSchema(_Lenient):
    id = fields.Raw(
        required=True,
        validate=lambda value: isinstance(value, str | int) and str(value) != "",
        metadata={"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]},
    )
    partnerOrderNumber = fields.String(required=True, validate=validate.Length(min=1))
    status = fields.String(required=True, validate=validate.Length(min=1))
    currency = fields.String(load_default=None)
    totalPriceIncVAT = fields.Raw(load_default=None)
    cancellationReason = fields.String(load_default=None)
    cancellationDate = fields.String(load_default=None)


class NotificationSchema(_Lenient):
    subject = fields.String(required=True, validate=validate.Equal("order", error="must be order"))
    type = fields.String(required=True, validate=validate.Length(min=1))
    objectId = fields.Raw(load_default=None)
    eventDate = fields.String(required=True, validate=validate.Length(min=1))
    order = fields.Nested(NotificationOrderSchema, required=True)
