"""What both services share: health, metrics, OpenAPI, correlation ids, request logs."""

import json
import logging
import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connector import correlation, logs, metrics
from connector.providers import read_settings
from extension.app import create_app as extension_app
from notification.app import create_app as notification_app
from tests.factories import EXTENSION_AUTH
from tests.tenant_documents import OPERATIONS, OPERATIONS_AUTH, tenant_auth


@pytest.fixture(params=["extension", "notification"])
def client(request, settings):
    factory = extension_app if request.param == "extension" else notification_app
    return factory(settings).test_client()


def _health_requests_counted(client) -> float:
    """connector_http_requests_total for GET /health answered 200, as /metrics shows it."""
    text = client.get("/metrics", headers=EXTENSION_AUTH).text
    prefix = "connector_http_requests_total{"
    rows = [row for row in text.splitlines() if row.startswith(prefix) and 'endpoint="/health"' in row]
    return sum(float(row.rsplit(" ", 1)[1]) for row in rows if 'status="200"' in row and 'method="GET"' in row)


def test_metrics_need_the_extension_credentials(client):
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert "connector_http_requests_total" not in refused.text
    answer = client.get("/metrics", headers=EXTENSION_AUTH)
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain")


def test_each_request_is_counted_once_by_endpoint_and_status(client):
    before = _health_requests_counted(client)
    client.get("/health")
    client.get("/health")
    assert _health_requests_counted(client) - before == 2


def test_the_openapi_document_is_served(client):
    assert client.get("/openapi.json").status_code == 401
    document = client.get("/openapi.json", headers=EXTENSION_AUTH).json
    assert document["openapi"].startswith("3.")
    assert "/health" in document["paths"] and "/metrics" in document["paths"]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Correlation-ID": "abc-123"}, "abc-123"),
        ({"X-Request-ID": "req-9"}, "req-9"),
        ({"X-Correlation-ID": "not ok\\nforged log line"}, None),
    ],
)
def test_correlation_id_is_kept_or_made(client, headers, expected):
    answer = client.get("/health", headers=headers)
    echoed = answer.headers["X-Correlation-ID"]
    assert echoed == expected if expected else (len(echoed) == 32 and "forged" not in echoed)


def test_one_json_request_line_with_the_correlation_id(client, caplog):
    caplog.set_level(logging.INFO, logger="connector.access")
    client.get("/health", headers={"X-Correlation-ID": "trace-1"})
    [record] = [r for r in caplog.records if r.name == "connector.access"]
    formatted = json.loads(logging.getLogger().handlers[0].format(record))
    assert formatted["correlationId"] == "trace-1"
    assert (formatted["method"], formatted["path"], formatted["status"]) == ("GET", "/health", 200)
    assert formatted["service"] in ("extension", "notification") and "durationMs" in formatted


@pytest.fixture
def restored_root_logger():
    """The root logger as it was, for the tests that follow one whose app pointed it at
    that test's captured standard error, with another level."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restored_root_logger")
@pytest.mark.parametrize(("log_level", "written"), [("INFO", True), ("WARNING", False)])
def test_log_level_decides_whether_the_request_line_is_written(env, capsys, log_level, written):
    env["LOG_LEVEL"] = log_level
    extension_app(read_settings(env)).test_client().get("/health", headers={"X-Correlation-ID": "level-probe"})
    assert ('"correlationId":"level-probe"' in capsys.readouterr().err) is written


def test_new_correlation_ids_are_unique_in_every_forked_worker():
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a worker forked from a master that made ids before
        os.write(write, correlation.new_id().encode())
        os._exit(0)
    os.waitpid(child, 0)
    in_worker = os.read(read, 64).decode()
    here = {correlation.new_id() for _ in range(1000)}
    assert len(here) == 1000 and in_worker not in here
    assert in_worker[:16] != next(iter(here))[:16]


# With a document of tenants.

SERVICES = {"extension": extension_app, "notification": notification_app}
# Each URL that names a tenant, by service.
TENANT_URLS = [
    ("extension", "/extension/{}"),
    ("extension", "/openOrder/{}"),
    ("notification", "/notifications/nuvei/{}"),
]


@pytest.fixture
def tenant_services(tenants_configuration) -> dict:
    """Both services for two tenants, shop-a and shop-b, their operations endpoints behind
    the document's operations credentials; made before the test, so that the apps' log
    set-up leaves the test's log capture in place."""
    configuration = tenants_configuration(operations=OPERATIONS)
    return {name: factory(configuration=configuration).test_client() for name, factory in SERVICES.items()}


@pytest.mark.parametrize(("service", "url"), TENANT_URLS)
@pytest.mark.parametrize(("tenant", "logged"), [("shop-b", "shop-b"), ("shop-x", "unknown")])
def test_every_log_line_of_a_request_carries_its_tenant(tenant_services, caplog, service, url, tenant, logged):
    caplog.set_level(logging.INFO)
    tenant_services[service].post(url.format(tenant), headers={"X-Correlation-ID": "tenant-probe"})
    records = [record for record in caplog.records if record.correlation_id == "tenant-probe"]
    lines = [json.loads(logs.JsonFormatter(service).format(record)) for record in records]
    assert "connector.access" in {line["logger"] for line in lines}
    assert {line["tenant"] for line in lines} == {logged}


def requests_counted(service: str, tenant: str) -> float:
    """connector_http_requests_total of the service's requests for the tenant."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics.exposition()[0].decode())
        for sample in family.samples
        if sample.name == "connector_http_requests_total"
        and (sample.labels["service"], sample.labels["tenant"]) == (service, tenant)
    )


@pytest.mark.parametrize(("service", "url"), TENANT_URLS)
def test_request_metrics_count_a_tenant_by_name_and_every_unknown_name_as_unknown(tenant_services, service, url):
    before = {tenant: requests_counted(service, tenant) for tenant in ("shop-b", "unknown")}
    for tenant in ("shop-b", "zz-random-1", "zz-random-2"):
        tenant_services[service].post(url.format(tenant))
    assert requests_counted(service, "shop-b") - before["shop-b"] == 1
    assert requests_counted(service, "unknown") - before["unknown"] == 2
    assert "zz-random" not in metrics.exposition()[0].decode()


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("path", ["/metrics", "/openapi.json"])
def test_the_operations_endpoints_open_with_the_documents_operations_credentials_only(tenant_services, service, path):
    client = tenant_services[service]
    assert client.get(path, headers=OPERATIONS_AUTH).status_code == 200
    for headers in ({}, tenant_auth("shop-a"), tenant_auth("shop-b")):
        assert client.get(path, headers=headers).status_code == 401


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("path", ["/metrics", "/openapi.json"])
def test_a_document_without_operations_credentials_leaves_the_operations_endpoints_open(
    tenants_configuration, service, path
):
    client = SERVICES[service](configuration=tenants_configuration()).test_client()
    assert client.get(path).status_code == 200
