"""What the connector accepts from the storefront for Nuvei, and what it reads in a DMN."""

from __future__ import annotations

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate, validates_schema

# Set by the client on every call; a sessionRequest may not carry them.
AUTHENTICATION_FIELDS = ("merchantId", "merchantSiteId", "clientRequestId", "timeStamp", "checksum")

_COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166-1 alpha-2 country code")


class _PassThrough(Schema):
    """Known fields are checked; Nuvei's many other optional fields pass through."""

    class Meta:
        unknown = INCLUDE


class BillingAddressSchema(_PassThrough):
    firstName = fields.String(validate=validate.Length(max=30))
    lastName = fields.String(validate=validate.Length(max=40))
    address = fields.String(validate=validate.Length(max=60))
    city = fields.String(validate=validate.Length(max=30))
    zip = fields.String(validate=validate.Length(max=10))
    state = fields.String(validate=validate.Length(max=5))
    country = fields.String(required=True, validate=_COUNTRY)
    email = fields.Email(required=True, validate=validate.Length(max=100))
    phone = fields.String(validate=validate.Length(max=18))


class UrlDetailsSchema(_PassThrough):
    successUrl = fields.Url(schemes={"http", "https"})
    failureUrl = fields.Url(schemes={"http", "https"})
    pendingUrl = fields.Url(schemes={"http", "https"})
    notificationUrl = fields.String()  # owned by the connector, compared separately


class SessionRequestSchema(_PassThrough):
    userTokenId = fields.String(validate=validate.Length(min=1, max=255))
    billingAddress = fields.Nested(BillingAddressSchema)
    transactionType = fields.String(load_default="Auth", validate=validate.OneOf(("Auth", "Sale")))
    urlDetails = fields.Nested(UrlDetailsSchema)

    @validates_schema(pass_original=True)
    def no_authentication_fields(self, _data, original, **_):
        present = [name for name in AUTHENTICATION_FIELDS if name in original]
        if present:
            raise ValidationError({name: ["is set by the connector"] for name in present})


# Field lists alike in shape to Optty's and the other providers' schemas, on purpose: each declares its provider's fields.
class DmnSchema(Schema):
    """The DMN fields the connector uses; Nuvei sends many more."""

    class Meta:
        unknown = EXCLUDE

    advanceResponseChecksum = fields.String(metadata={"description": "SHA-256, checked before anything else"})
    PPP_TransactionID = fields.String(load_default=None)
    productId = fields.String(load_default=None)
    clientUniqueId = fields.String(required=True, validate=validate.Length(min=1))
    TransactionID = fields.String(required=True, validate=validate.Length(min=1))
    transactionType = fields.String(required=True)
    Status = fields.String(required=True)
    totalAmount = fields.String(required=True)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    ppp_status = fields.String(load_default=None)
    Reason = fields.String(load_default=None)
    ErrCode = fields.String(load_default=None)
    responseTimeStamp = fields.String(load_default=None)
    relatedTransactionId = fields.String(load_default=None)
    AuthCode = fields.String(load_default=None)
    merchant_id = fields.String(load_default=None)
    merchant_site_id = fields.String(load_default=None)
