from decimal import Decimal

import pytest
from marshmallow import INCLUDE, Schema, fields

from connector import session_request
from connector.errors import InvalidInput


class Example(Schema):
    class Meta:
        unknown = INCLUDE

    currency = fields.String()
    note = fields.String()


OWNED = {"amount": "10.00", "currency": "EUR", "urlDetails.notificationUrl": "https://n"}


def test_owned_fields_may_repeat_the_connector_value():
    given = {"amount": "10.0", "currency": "EUR", "urlDetails": {"notificationUrl": "https://n"}, "note": "hi"}
    assert session_request.load(Example(), given, OWNED)["note"] == "hi"


def test_owned_fields_may_not_change_and_all_errors_come_together():
    given = {"amount": "12.00", "urlDetails": {"notificationUrl": "https://elsewhere"}, "note": 5}
    with pytest.raises(InvalidInput) as raised:
        session_request.load(Example(), given, OWNED)
    assert [error.field for error in raised.value.errors] == [
        "sessionRequest.amount",
        "sessionRequest.note",
        "sessionRequest.urlDetails.notificationUrl",
    ]


@pytest.mark.parametrize(
    ("owned", "shown"),
    [(Decimal("19.99"), "19.99"), (1999, "1999"), ("EUR", '"EUR"'), ("https://n/{x}", '"https://n/{x}"')],
)
def test_the_connectors_value_is_named_as_json_would_write_it(owned, shown):
    with pytest.raises(InvalidInput) as raised:
        session_request.load(Example(), {"amount": "5"}, {"amount": owned})
    assert raised.value.errors[0].message == f"is set by the connector to {shown}"
