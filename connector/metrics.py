"""Prometheus metrics. Under gunicorn every worker writes to PROMETHEUS_MULTIPROC_DIR
(deploy/gunicorn.conf.py sets it up), so /metrics counts all of them."""

from __future__ import annotations

import functools
import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

REQUESTS = Counter(
    "connector_http_requests_total",
    "Requests answered, by endpoint and status.",
    ["service", "endpoint", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "connector_http_request_duration_seconds", "Time to answer a request.", ["service", "endpoint"]
)
PROVIDER_CALLS = Counter(
    "connector_provider_calls_total", "Calls to payment providers, by outcome.", ["provider", "operation", "outcome"]
)
PROVIDER_SECONDS = Histogram(
    "connector_provider_call_duration_seconds", "Time a provider took to answer.", ["provider", "operation"]
)
NOTIFICATIONS = Counter(
    "connector_notifications_total",
    "Provider notifications: applied, repeat (already applied), refused (not authentic or unusable), failed (retry).",
    ["provider", "outcome"],
)
COMMERCETOOLS_CONFLICTS = Counter(
    "connector_commercetools_conflicts_total", "Payment updates retried after commercetools answered 409."
)


def _children(metric):
    """metric.labels(...), remembered: labels() takes a lock and builds a tuple on every
    call, and a service needs the same few children on every request."""
    return functools.lru_cache(maxsize=1024)(metric.labels)


request_counter = _children(REQUESTS)
request_timer = _children(REQUEST_SECONDS)
provider_call_counter = _children(PROVIDER_CALLS)
provider_call_timer = _children(PROVIDER_SECONDS)


def exposition() -> tuple[bytes, str]:
    """The metrics of every worker of this service, in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
