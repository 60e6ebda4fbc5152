"""What a platform team sees of the running services: metrics over all gunicorn workers,
and one correlation id from the checkout to the provider and back. The stack is shared
by the session, so the tests count what their own requests added."""

import json
import uuid

import requests

from sandboxes.emulator import nuvei_payment

from .conftest import PROVIDER_TIMEOUT_MS, post_dmn
from .kustom_sandbox import kustom_payment

NOTIFICATION_OUTCOMES = ("applied", "repeat", "refused", "failed")


def counter(text: str, name: str, **labels) -> float:
    """The sum of the samples of `name` that carry these labels."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith((name + "{", name + " ")) and all(label in line for label in wanted)
    ]
    return sum(values)


def scrape(stack, service_url: str) -> str:
    return requests.get(f"{service_url}/metrics", auth=("commercetools", stack.extension_password), timeout=5).text


def provider_calls(stack, provider: str, operation: str, outcome: str) -> float:
    text = scrape(stack, stack.extension_url)
    return counter(text, "connector_provider_calls_total", provider=provider, operation=operation, outcome=outcome)


def nuvei_notifications(stack) -> dict[str, float]:
    text = scrape(stack, stack.notification_url)
    return {
        outcome: counter(text, "connector_notifications_total", provider="nuvei", outcome=outcome)
        for outcome in NOTIFICATION_OUTCOMES
    }


def conflicts(stack) -> float:
    return counter(scrape(stack, stack.notification_url), "connector_commercetools_conflicts_total")


def test_metrics_count_every_worker(stack):
    def health_count():
        return counter(
            scrape(stack, stack.extension_url), "connector_http_requests_total", endpoint="/health", status="200"
        )

    before = health_count()
    for _ in range(40):  # a new connection each, so both workers answer some
        requests.get(f"{stack.extension_url}/health", timeout=5)
    assert health_count() - before == 40


def test_provider_calls_and_notifications_are_counted(stack, emulator, nuvei):
    def figures() -> tuple[float, float, float]:
        extension = scrape(stack, stack.extension_url)
        notification = scrape(stack, stack.notification_url)
        return (
            counter(
                extension, "connector_provider_calls_total", provider="nuvei", operation="openOrder.do", outcome="ok"
            ),
            counter(extension, "connector_provider_call_duration_seconds_count", provider="nuvei"),
            counter(notification, "connector_notifications_total", provider="nuvei", outcome="applied"),
        )

    before = figures()
    payment = emulator.create_payment(nuvei_payment()).json()
    nuvei.dmn(payment["custom"]["fields"]["sessionToken"], status="APPROVED")
    after = figures()
    # One openOrder.do call, timed once, and one notification applied.
    assert [now - then for now, then in zip(after, before, strict=True)] == [1, 1, 1]


def test_a_provider_refusal_is_counted_as_http_4xx(stack, emulator):
    before = provider_calls(stack, "kustom", "createOrder", "http_4xx")
    refused = emulator.create_payment(kustom_payment(str(uuid.uuid4())))  # Kustom: 404 TOKEN_NOT_FOUND
    assert refused.status_code == 400
    assert provider_calls(stack, "kustom", "createOrder", "http_4xx") - before == 1


def test_a_provider_that_does_not_answer_in_time_is_counted_as_unavailable(stack, emulator, nuvei):
    before = provider_calls(stack, "nuvei", "openOrder.do", "unavailable")
    nuvei.latency(PROVIDER_TIMEOUT_MS + 500)
    assert emulator.create_payment(nuvei_payment()).status_code == 400
    assert provider_calls(stack, "nuvei", "openOrder.do", "unavailable") - before == 1


def test_each_notification_outcome_is_counted(stack, emulator, nuvei):
    payment = emulator.create_payment(nuvei_payment()).json()
    dmn = nuvei.dmn(payment["custom"]["fields"]["sessionToken"], status="APPROVED", deliver=False)["dmn"]
    before = nuvei_notifications(stack)
    emulator.fault("unavailable")
    assert post_dmn(stack, dmn).status_code == 503  # failed: Nuvei will retry
    emulator.fault("none")
    assert post_dmn(stack, {**dmn, "advanceResponseChecksum": "0" * 64}).status_code == 401  # refused: forged
    assert post_dmn(stack, dmn).json() == {"status": "applied"}
    assert post_dmn(stack, dmn).json() == {"status": "unchanged"}  # repeat
    after = nuvei_notifications(stack)
    assert {outcome: after[outcome] - before[outcome] for outcome in after} == dict.fromkeys(NOTIFICATION_OUTCOMES, 1)


def test_a_payment_update_retried_after_a_409_is_counted(stack, emulator, nuvei):
    payment = emulator.create_payment(nuvei_payment()).json()
    before = conflicts(stack)
    emulator.fault("conflict")  # the next payment update answered 409, as if another writer came first
    sent = nuvei.dmn(payment["custom"]["fields"]["sessionToken"], status="APPROVED")
    assert sent["notification"]["status"] == 200
    assert len(emulator.get_payment(payment["id"])["transactions"]) == 1  # applied by the retry
    assert conflicts(stack) - before == 1


def test_one_correlation_id_from_checkout_to_provider_and_back(stack, emulator, nuvei):
    checkout_id = "checkout-7f3a-e2e"
    payment = emulator.create_payment(nuvei_payment(), headers={"X-Correlation-ID": checkout_id}).json()
    [order] = nuvei.orders(payment["id"])
    assert order["correlationId"] == checkout_id  # the provider call carried it
    nuvei.dmn(order["sessionToken"], status="APPROVED")  # and the provider echoes it
    stored = emulator.get_payment(payment["id"])
    assert [i["fields"]["correlationId"] for i in stored["interfaceInteractions"]] == [checkout_id, checkout_id]
    for service in ("extension", "notification"):
        lines = [json.loads(line) for line in stack.log_lines(service) if checkout_id in line]
        assert lines and all(line["correlationId"] == checkout_id for line in lines)
    provider_lines = [entry for entry in stack.log_entries("extension") if entry["logger"] == "connector.provider"]
    assert any(line["correlationId"] == checkout_id and line["operation"] == "openOrder.do" for line in provider_lines)
