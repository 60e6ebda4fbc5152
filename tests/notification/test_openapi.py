"""The notification service's OpenAPI document says what this deployment answers: the
providers it configures, each by the methods its notifications come by, with the
answers the service gives them."""

import pytest
import schemathesis

from connector.providers import REGISTRY, read_settings
from notification.app import create_app
from tests.factories import EXTENSION_AUTH, PAYMENT_ID, payment_json, signed_dmn

API = "https://api.example.test/shop"


@pytest.fixture
def client_for(env):
    """The service of a deployment that configures the providers named, and no other."""
    every_credential = {variable for provider in REGISTRY.values() for variable in provider.credentials()}

    def client(*names: str):
        configured = {name: value for name, value in env.items() if name not in every_credential}
        for name in names:
            credentials = REGISTRY[name].credentials()
            configured.update({variable: env.get(variable, f"{variable.lower()}-value") for variable in credentials})
        return create_app(read_settings(configured)).test_client()

    return client


def served_document(client) -> dict:
    answer = client.get("/openapi.json", headers=EXTENSION_AUTH)
    assert answer.status_code == 200
    return answer.json


def notification_paths(document: dict) -> set[str]:
    return {path for path in document["paths"] if path.startswith("/notifications/")}


@pytest.mark.parametrize("names", [("nuvei",), ("kustom",), ("nexway", "optty"), tuple(REGISTRY)])
def test_the_document_describes_the_configured_providers_and_no_other(client_for, names):
    client = client_for(*names)
    described = {path for name in names for path in (f"/notifications/{name}", f"/notifications/{name}/{{tenant}}")}
    assert notification_paths(served_document(client)) == described
    for name in REGISTRY:  # the service agrees: refused until configured (503) exactly where undescribed
        answer = client.post(f"/notifications/{name}", data={})
        assert (answer.status_code == 503) == (name not in names), (name, answer.json)


def test_the_operations_endpoints_are_described_with_no_provider_configured(client_for):
    document = served_document(client_for())
    assert notification_paths(document) == set()
    assert {"/health", "/metrics", "/openapi.json"} <= set(document["paths"])


def test_each_provider_is_described_by_the_methods_its_notifications_come_by(client_for):
    client = client_for(*REGISTRY)
    paths = served_document(client)["paths"]
    for name in REGISTRY:
        described = set(paths[f"/notifications/{name}"])
        assert described == ({"get", "post"} if name == "nuvei" else {"post"})  # Nuvei's DMNs come either way
        for method in ("get", "post", "put"):
            answer = client.open(f"/notifications/{name}", method=method.upper(), data={})
            assert (answer.status_code == 405) == (method not in described), (name, method)


def test_a_refusal_of_each_provider_is_an_answer_the_document_describes(client_for):
    client = client_for(*REGISTRY)
    schema = schemathesis.openapi.from_dict(served_document(client))
    for name in REGISTRY:
        for operation in schema[f"/notifications/{name}"].values():
            answer = client.open(f"/notifications/{name}", method=operation.method.upper(), data={})
            assert answer.status_code in (400, 401), (name, answer.json)
            assert_described(operation, answer)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_applied_dmn_and_one_to_retry_are_answers_the_document_describes(
    nuvei_ledger, client_for, method, commercetools_api
):
    client = client_for("nuvei")
    operation = schemathesis.openapi.from_dict(served_document(client))["/notifications/nuvei"][method]
    payment = payment_json()
    commercetools_api.get(f"{API}/payments/{payment['id']}", json=payment)
    commercetools_api.post(f"{API}/payments/{payment['id']}", json={**payment, "version": 2})
    commercetools_api.get(f"{API}/payments/{PAYMENT_ID}", status=503, body="down")
    applied = nuvei_ledger.holds_dmn(signed_dmn(payment["id"], TransactionID="711"))
    retried = nuvei_ledger.holds_dmn(signed_dmn(PAYMENT_ID, TransactionID="712"))
    for fields, status in ((applied, 200), (retried, 503)):
        sent = {"query_string": fields} if method == "GET" else {"data": fields}
        answer = client.open("/notifications/nuvei", method=method, **sent)
        assert answer.status_code == status, answer.json
        assert_described(operation, answer)


def test_only_a_dmn_by_get_may_be_refused_for_its_request_line_length(client_for):
    # gunicorn refuses a request line past its limit with its own HTML page, before the service sees it
    paths = served_document(client_for("nuvei"))["paths"]
    assert paths["/notifications/nuvei"]["get"]["responses"]["414"]["content"] == {
        "text/html": {"schema": {"type": "string"}}
    }
    assert "414" not in paths["/notifications/nuvei"]["post"]["responses"]  # the fields are in the body


def assert_described(operation, answer) -> None:
    """The answer's status is one the operation lists, and its body matches that status's schema."""
    assert str(answer.status_code) in operation.definition.raw["responses"]
    operation.validate_response(answer)
