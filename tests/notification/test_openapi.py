"""The notification service's OpenAPI document says what the service really answers."""

from notification.openapi import document


def test_a_notification_by_get_may_be_refused_for_its_request_line_length():
    paths = document(metrics_protected=True)["paths"]
    assert paths["/notifications/nuvei"]["get"]["responses"]["414"]["content"] == {
        "text/html": {"schema": {"type": "string"}}
    }
    assert "414" not in paths["/notifications/nuvei"]["post"]["responses"]  # the fields are in the body
