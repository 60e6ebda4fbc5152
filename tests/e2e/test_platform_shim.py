"""The test platform's extension shim (sandboxes/platform.mjs) fails the way
commercetools does when an extension does not answer in time or answers nonsense, and
then stores nothing."""

import time

import pytest
from werkzeug import Response

from sandboxes.emulator import payment_draft

INTERFACE = "shim-test"


@pytest.fixture
def extension_at(emulator, httpserver):
    """Registers an extension for INTERFACE payments that httpserver answers."""
    created = []

    def register(timeout_ms: int) -> None:
        draft = {
            "key": f"shim-test-{len(created)}",
            "destination": {"type": "HTTP", "url": httpserver.url_for("/extension")},
            "triggers": [
                {
                    "resourceTypeId": "payment",
                    "actions": ["Create"],
                    "condition": f'paymentMethodInfo(paymentInterface = "{INTERFACE}")',
                }
            ],
            "timeoutInMs": timeout_ms,
        }
        answer = emulator.request("POST", "extensions", json=draft)
        assert answer.status_code == 201, answer.text
        created.append(answer.json())

    yield register
    for extension in created:
        emulator.request("DELETE", f"extensions/{extension['id']}", params={"version": extension["version"]})


def stored_shim_payments(emulator) -> list[dict]:
    return emulator.payments(where=f'paymentMethodInfo(paymentInterface = "{INTERFACE}")')


def test_an_extension_that_does_not_answer_in_time_is_a_504(emulator, httpserver, extension_at):
    httpserver.expect_request("/extension").respond_with_handler(
        lambda request: time.sleep(1) or Response('{"actions": []}')
    )
    extension_at(timeout_ms=300)
    answer = emulator.create_payment(payment_draft(INTERFACE))
    assert answer.status_code == 504
    assert answer.json()["errors"][0]["code"] == "ExtensionNoResponse"
    assert stored_shim_payments(emulator) == []


def test_an_answer_that_is_not_an_extension_answer_is_a_502(emulator, httpserver, extension_at):
    httpserver.expect_request("/extension").respond_with_data("oops", status=500)
    extension_at(timeout_ms=2000)
    answer = emulator.create_payment(payment_draft(INTERFACE))
    assert answer.status_code == 502
    [error] = answer.json()["errors"]
    assert (error["code"], error["extensionStatusCode"], error["extensionBody"]) == (
        "ExtensionBadResponse",
        500,
        "oops",
    )
    assert stored_shim_payments(emulator) == []
