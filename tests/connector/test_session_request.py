import pytest

from connector import session_request
from connector.errors import InvalidInput


def test_owned_fields_may_repeat_the_connector_value():
    session_request.reject_overrides(
        {"amount": "10.0", "currency": "EUR", "urlDetails": {"notificationUrl": "https://n"}},
        {"amount": "10.00", "currency": "EUR", "urlDetails.notificationUrl": "https://n"},
    )


def test_owned_fields_may_not_change():
    with pytest.raises(InvalidInput) as raised:
        session_request.reject_overrides(
            {"amount": "12.00", "urlDetails": {"notificationUrl": "https://elsewhere"}},
            {"amount": "10.00", "currency": "EUR", "urlDetails.notificationUrl": "https://n"},
        )
    assert [error.field for error in raised.value.errors] == [
        "sessionRequest.amount",
        "sessionRequest.urlDetails.notificationUrl",
    ]
