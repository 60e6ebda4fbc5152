"""What the connector accepts from the storefront for Paynova, and what it reads in an
event hook notification."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

# Paynova's hosted payment page ("Aero"), the only interface its API accepts.
AERO_INTERFACE_ID = 5
# How far a line's totals may be from quantity × unit amount × (1 + taxPercent / 100).
LINE_TOLERANCE = Decimal("0.01")

_WEB = frozenset({"http", "https"})
_POSITIVE = validate.Range(min=0, min_inclusive=False)
_NOT_NEGATIVE = validate.Range(min=0)


class _Strict(Schema):
    """Unknown keys are errors: the keys go to two different Paynova calls, and a
    misspelt one must not silently disappear."""

    class Meta:
        unknown = RAISE


def _texts(*names: str) -> dict[str, fields.Field]:
    """Optional free-text fields, as most of Paynova's name, address and customer parts are."""
    return {name: fields.String() for name in names}


NameSchema = _Strict.from_dict(
    _texts("companyName", "title", "firstName", "middleNames", "lastName", "suffix"), name="NameSchema"
)
AddressSchema = _Strict.from_dict(
    {
        **_texts("street1", "street2", "street3", "street4", "city", "postalCode", "regionCode"),
        # ISO 3166-1 alpha-2, alpha-3 or numeric, as Paynova accepts all three.
        "countryCode": fields.String(
            required=True, validate=validate.Regexp(r"^([A-Z]{2,3}|\d{3})$", error="must be an ISO 3166-1 country code")
        ),
    },
    name="AddressSchema",
)
CustomerSchema = _Strict.from_dict(
    {
        **_texts("customerId", "governmentId", "homeTelephone", "workTelephone", "mobileTelephone"),
        "emailAddress": fields.Email(),
        "name": fields.Nested(NameSchema),
    },
    name="CustomerSchema",
)


class NameAndAddressSchema(_Strict):
    name = fields.Nested(NameSchema, required=True)
    address = fields.Nested(AddressSchema, required=True)


class LineItemSchema(_Strict):
    id = fields.String(required=True, validate=validate.Length(min=1))
    articleNumber = fields.String(required=True, validate=validate.Length(min=1, max=50))
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    description = fields.String(validate=validate.Length(min=1, max=255))
    productUrl = fields.Url(schemes=_WEB)
    quantity = fields.Decimal(required=True, validate=_POSITIVE)
    unitMeasure = fields.String(required=True, validate=validate.Length(min=1))
    unitAmountExcludingTax = fields.Decimal(required=True, validate=_NOT_NEGATIVE)
    taxPercent = fields.Decimal(required=True, validate=validate.Range(min=0, max=100))
    totalLineTaxAmount = fields.Decimal(required=True, validate=_NOT_NEGATIVE)
    totalLineAmount = fields.Decimal(required=True, validate=_NOT_NEGATIVE)
    lineItemGroupKey = fields.String()

    @validates_schema
    def totals_add_up(self, line: dict, **_) -> None:
        net = line["quantity"] * line["unitAmountExcludingTax"]
        tax = net * line["taxPercent"] / 100
        errors = {}
        if abs(net + tax - line["totalLineAmount"]) > LINE_TOLERANCE:
            errors["totalLineAmount"] = [f"must be quantity × unitAmountExcludingTax plus tax = {net + tax:f} (±0.01)"]
        if abs(tax - line["totalLineTaxAmount"]) > LINE_TOLERANCE:
            errors["totalLineTaxAmount"] = [
                f"must be {line['taxPercent']:f}% of quantity × unitAmountExcludingTax = {tax:f} (±0.01)"
            ]
        if errors:
            raise ValidationError(errors)


class InterfaceOptionsSchema(_Strict):
    interfaceId = fields.Integer(load_default=AERO_INTERFACE_ID, validate=validate.Equal(AERO_INTERFACE_ID))
    customerLanguageCode = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Za-z]{3}$", error="must be a three-letter language code")
    )
    urlRedirectSuccess = fields.Url(required=True, schemes=_WEB)
    urlRedirectCancel = fields.Url(required=True, schemes=_WEB)
    urlRedirectPending = fields.Url(schemes=_WEB)
    urlCallback = fields.String()  # owned by the connector, compared separately
    layoutName = fields.String()
    themeName = fields.String()
    displayLineItems = fields.Boolean()


class PaymentProductSchema(_Strict):
    id = fields.String(required=True)


class PaymentMethodSchema(_Strict):
    id = fields.Integer(required=True)
    products = fields.List(fields.Nested(PaymentProductSchema))


class SessionRequestSchema(_Strict):
    # Owned by the connector: a sessionRequest may repeat its values (session_request.load).
    orderNumber = fields.Raw()
    currencyCode = fields.Raw()
    totalAmount = fields.Raw()
    # For orders/create.
    lineItems = fields.List(fields.Nested(LineItemSchema), required=True, validate=validate.Length(min=1))
    billTo = fields.Nested(NameAndAddressSchema, required=True)
    shipTo = fields.Nested(NameAndAddressSchema)
    customer = fields.Nested(CustomerSchema)
    orderDescription = fields.String(validate=validate.Length(min=1, max=255))
    salesChannel = fields.String(validate=validate.Length(max=50))
    salesLocationId = fields.String(validate=validate.Length(max=50))
    merchantReference = fields.String(validate=validate.Length(min=1, max=40))
    purchaseReference = fields.String(validate=validate.Length(max=30))
    # For orders/{orderId}/initializePayment.
    interfaceOptions = fields.Nested(InterfaceOptionsSchema, required=True)
    paymentMethods = fields.List(fields.Nested(PaymentMethodSchema), validate=validate.Length(min=1))

    @validates_schema
    def line_ids_are_unique(self, data: dict, **_) -> None:
        ids = [line["id"] for line in data["lineItems"]]
        if len(set(ids)) != len(ids):
            raise ValidationError({"lineItems": ["each line item needs its own id"]})


class EventSchema(Schema):
    """The fields every event hook notification of an order carries (Paynova sends more)."""

    class Meta:
        unknown = EXCLUDE

    EVENT_TYPE = fields.String(required=True)
    MERCHANT_ID = fields.String(required=True)
    ORDER_ID = fields.String(required=True, validate=validate.Length(min=1))
    ORDER_NUMBER = fields.String(required=True, validate=validate.Length(min=1))


class PaymentEventSchema(EventSchema):
    PAYMENT_STATUS = fields.String(required=True)
    PAYMENT_STATUS_REASON = fields.String(load_default=None)
    AMOUNT = fields.String(required=True)
    CURRENCY_CODE = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    TRANSACTION_ID = fields.String(required=True, validate=validate.Length(min=1))


class SessionEndEventSchema(EventSchema):
    SESSION_ID = fields.String(required=True, validate=validate.Length(min=1))
    SESSION_STATUS = fields.String(required=True)
    SESSION_STATUS_REASON = fields.String(load_default=None)


# An event hook notification as Paynova posts it, for the OpenAPI document; which fields
# are required depends on EVENT_TYPE (the schemas above check them).
EventHookSchema = Schema.from_dict(
    {
        "EVENT_TYPE": fields.String(required=True, metadata={"description": "PAYMENT, SESSION_END, ..."}),
        "EVENT_TIMESTAMP": fields.String(required=True),
        "DELIVERY_TIMESTAMP": fields.String(required=True),
        "MERCHANT_ID": fields.String(required=True),
        "DIGEST": fields.String(
            required=True,
            metadata={"description": "SHA-1 of EVENT_TYPE;EVENT_TIMESTAMP;DELIVERY_TIMESTAMP;MERCHANT_ID;secret key"},
        ),
        "ORDER_NUMBER": fields.String(metadata={"description": "the commercetools payment id"}),
        **_texts(
            "ORDER_ID",
            "SESSION_ID",
            "PAYMENT_STATUS",
            "PAYMENT_STATUS_REASON",
            "AMOUNT",
            "CURRENCY_CODE",
            "TRANSACTION_ID",
            "SESSION_STATUS",
            "SESSION_STATUS_REASON",
        ),
    },
    name="EventHookSchema",
)
