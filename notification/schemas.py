"""What the notification service answers; used for its OpenAPI document."""

from marshmallow import Schema, fields, validate


class NotificationStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("applied", "unchanged")))
