"""What a platform team sees of the running services: metrics over all gunicorn workers,
and one correlation id from the checkout to the provider and back."""
import json

import requests

from sandboxes.emulator import nuvei_payment


def counter(text: str, name: str, **labels) -> float:
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name + "{") and all(label in line for label in wanted)
    ]
    return sum(values)


def test_metrics_count_every_worker(stack):
    auth = ("commercetools", stack.extension_password)

    def health_count():
        text = requests.get(f"{stack.extension_url}/metrics", auth=auth, timeout=5).text
        return counter(text, "connector_http_requests_total", endpoint="/health", status="200")

    before = health_count()
    for _ in range(40):  # a new connection each, so both workers answer some
        requests.get(f"{stack.extension_url}/health", timeout=5)
    assert health_count() - before == 40


def test_provider_calls_and_notifications_are_counted(stack, emulator, nuvei):
    auth = ("commercetools", stack.extension_password)
    payment = emulator.create_payment(nuvei_payment()).json()
    nuvei.dmn(payment["custom"]["fields"]["sessionToken"], status="APPROVED")
    extension = requests.get(f"{stack.extension_url}/metrics", auth=auth, timeout=5).text
    notification = requests.get(f"{stack.notification_url}/metrics", auth=auth, timeout=5).text
    assert counter(extension, "connector_provider_calls_total", provider="nuvei", operation="openOrder.do", outcome="ok") >= 1
    assert counter(extension, "connector_provider_call_duration_seconds_count", provider="nuvei") >= 1
    assert counter(notification, "connector_notifications_total", provider="nuvei", outcome="applied") >= 1


def test_one_correlation_id_from_checkout_to_provider_and_back(stack, emulator, nuvei):
    checkout_id = "checkout-7f3a-e2e"
    payment = emulator.create_payment(nuvei_payment(), headers={"X-Correlation-ID": checkout_id}).json()
    [order] = nuvei.orders(payment["id"])
    assert order["correlationId"] == checkout_id  # the provider call carried it
    nuvei.dmn(order["sessionToken"], status="APPROVED")  # and the provider echoes it
    stored = emulator.get_payment(payment["id"])
    assert [i["fields"]["correlationId"] for i in stored["interfaceInteractions"]] == [checkout_id, checkout_id]
    for service in ("extension", "notification"):
        lines = [json.loads(line) for line in stack.log(service).splitlines() if checkout_id in line]
        assert lines and all(line["correlationId"] == checkout_id for line in lines)
    provider_lines = [entry for entry in stack.log_entries("extension") if entry["logger"] == "connector.provider"]
    assert any(line["correlationId"] == checkout_id and line["operation"] == "openOrder.do" for line in provider_lines)
