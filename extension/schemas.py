"""The extension service's input: commercetools' extension call and the /openOrder body."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

EXTENSION_ACTIONS = ("Create", "Update")


class ResourceSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    typeId = fields.String(required=True, validate=validate.Equal("payment"))
    id = fields.String(required=True)
    # Read by connector.payment.PaymentSchema, which names the payment's own fields.
    obj = fields.Dict(required=True)


class ExtensionRequestSchema(Schema):
    """The body commercetools posts to an API Extension."""

    class Meta:
        unknown = EXCLUDE

    action = fields.String(required=True, validate=validate.OneOf(EXTENSION_ACTIONS))
    resource = fields.Nested(ResourceSchema, required=True)


class OpenOrderSchema(Schema):
    """POST /openOrder (Nuvei's "Extension API module")."""

    class Meta:
        unknown = RAISE

    clientUniqueId = fields.String(required=True, validate=validate.Length(min=1, max=255))
    currency = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Z]{3}$", error="must be an ISO 4217 currency code")
    )
    amount = fields.String(
        required=True, validate=validate.Regexp(r"^\d+(\.\d+)?$", error="must be a decimal amount such as 10.00")
    )


# What the extension service answers; used for its OpenAPI document.


class ExtensionErrorSchema(Schema):
    code = fields.String(
        required=True, validate=validate.OneOf(("InvalidInput", "InvalidOperation", "General", "Unauthorized"))
    )
    message = fields.String(required=True)
    extensionExtraInfo = fields.Dict()


class ExtensionErrorsSchema(Schema):
    errors = fields.List(fields.Nested(ExtensionErrorSchema), required=True)


class ExtensionActionsSchema(Schema):
    actions = fields.List(fields.Dict(), required=True, metadata={"description": "Payment update actions"})


class SessionTokenSchema(Schema):
    sessionToken = fields.String(required=True)


class FieldErrorSchema(Schema):
    message = fields.String(required=True)
    field = fields.String(required=True)


class FieldErrorsSchema(Schema):
    errors = fields.List(fields.Nested(FieldErrorSchema), required=True)
