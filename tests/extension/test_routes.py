"""The extension service through Flask's test client, with Nuvei and commercetools
stubbed at the HTTP level."""

import base64
import json
import time

import pytest
from werkzeug import Response

from connector.providers import read_settings
from connector.providers.nuvei import Nuvei
from extension.app import create_app
from tests.factories import CONNECTOR_TYPE_ID, extension_call, payment_json, type_json
from tests.factories import EXTENSION_AUTH as AUTH
from tests.tenant_documents import WITH_DEFAULT_TENANT, nuvei_path, project_api, tenant_auth

OPEN_ORDER = "/ppp/api/v1/openOrder.do"
API = "https://api.example.test/shop"


@pytest.fixture
def client(nuvei_api, env, commercetools_api):
    commercetools_api.get(f"{API}/types/{CONNECTOR_TYPE_ID}", json=type_json())
    return create_app(read_settings(env)).test_client()


@pytest.fixture
def impatient_client(nuvei_api, env, commercetools_api):
    """The extension with a provider timeout of 300 ms."""
    env["PROVIDER_TIMEOUT_MS"] = "300"
    return create_app(read_settings(env)).test_client()


@pytest.fixture
def client_without_nuvei(env):
    """The extension with none of Nuvei's settings: Nuvei is off."""
    for name in ("NUVEI_MERCHANT_ID", "NUVEI_MERCHANT_SITE_ID", "NUVEI_SECRET_KEY"):
        del env[name]
    return create_app(read_settings(env)).test_client()


@pytest.fixture
def nuvei_answers(nuvei_api):
    nuvei_api.expect_request(OPEN_ORDER, method="POST").respond_with_json(
        {"status": "SUCCESS", "sessionToken": "tok-1", "orderId": "410000001"}
    )
    return nuvei_api


def call(client, payment, action="Create", headers=AUTH):
    return client.post("/extension", json=extension_call(payment, action), headers=headers)


def nuvei_calls(nuvei_api):
    return [json.loads(request.get_data()) for request, _ in nuvei_api.log]


def test_health_needs_no_credentials(client):
    answer = client.get("/health")
    assert (answer.status_code, answer.json) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic " + base64.b64encode(b"commercetools:wrong").decode()},
        {"Authorization": "Bearer x"},
    ],
)
def test_extension_needs_the_configured_credentials(client, headers):
    answer = call(client, payment_json(), headers=headers)
    assert answer.status_code == 401
    assert answer.json["errors"][0]["message"] == "missing or wrong credentials"


def test_a_new_nuvei_payment_gets_a_session(client, nuvei_answers):
    payment = payment_json()
    answer = call(client, payment, headers={**AUTH, "X-Correlation-ID": "checkout-42"})
    assert answer.status_code == 200
    actions = {a["action"]: a for a in answer.json["actions"]}
    assert actions["setCustomType"]["fields"]["sessionToken"] == "tok-1"
    assert actions["setInterfaceId"]["interfaceId"] == "410000001"
    assert actions["addInterfaceInteraction"]["fields"]["correlationId"] == "checkout-42"
    assert answer.headers["X-Correlation-ID"] == "checkout-42"
    [sent] = nuvei_calls(nuvei_answers)
    assert sent["clientUniqueId"] == payment["id"]
    assert sent["urlDetails"]["notificationUrl"] == "https://notifications.example.test/notifications/nuvei"


def test_a_payment_with_a_session_is_left_alone(client, nuvei_answers):
    payment = payment_json(custom_fields={"sessionToken": "tok-0"}, interface_id="410000000")
    answer = call(client, payment, action="Update")
    assert (answer.status_code, answer.json) == (200, {"actions": []})
    assert nuvei_calls(nuvei_answers) == []


def test_payments_for_other_interfaces_are_not_ours(client, nuvei_answers):
    answer = call(client, payment_json(interface="adyen"))
    assert answer.json == {"actions": []}
    assert nuvei_calls(nuvei_answers) == []


@pytest.mark.parametrize("method", [[None, None], "nuvei", 7])
def test_a_payment_method_info_that_is_no_object_names_no_interface_of_ours(client, nuvei_answers, method):
    # Found by fuzzing: a list here made the extension fail (General) instead of answering.
    answer = call(client, {**payment_json(), "paymentMethodInfo": method})
    assert (answer.status_code, answer.json) == (200, {"actions": []})
    assert nuvei_calls(nuvei_answers) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ({"action": "Delete", "resource": {"typeId": "payment", "id": "x", "obj": {}}}, "action"),
        ({"action": "Create", "resource": {"typeId": "cart", "id": "x", "obj": {}}}, "resource.typeId"),
        ({"action": "Create"}, "resource"),
    ],
)
def test_malformed_calls_are_invalid_input(client, body, field):
    if isinstance(body, str):
        answer = client.post("/extension", data=body, headers=AUTH, content_type="application/json")
    else:
        answer = client.post("/extension", json=body, headers=AUTH)
    assert answer.status_code == 400
    error = answer.json["errors"][0]
    assert (error["code"], error["extensionExtraInfo"]["field"]) == ("InvalidInput", field)


@pytest.mark.parametrize("currency", ["ZZZ", "XXX", "XTS"])
def test_a_currency_that_iso_4217_does_not_name_is_refused_before_the_provider(client, nuvei_answers, currency):
    answer = call(client, payment_json(currency=currency))
    assert answer.status_code == 400
    error = answer.json["errors"][0]
    assert (error["code"], error["extensionExtraInfo"]["field"]) == ("InvalidInput", "amountPlanned.currencyCode")
    assert nuvei_calls(nuvei_answers) == []


@pytest.mark.parametrize("currency", ["SEK", "KWD", "XAU", "ZWG"])
def test_iso_4217_currencies_go_to_the_provider(client, nuvei_answers, currency):
    assert call(client, payment_json(currency=currency)).status_code == 200
    assert [request["currency"] for request in nuvei_calls(nuvei_answers)] == [currency]


def test_every_invalid_session_request_field_is_reported(client, nuvei_answers):
    payment = payment_json(session_request={"billingAddress": {"country": "XX1"}, "transactionType": "Void"})
    answer = call(client, payment)
    assert answer.status_code == 400
    fields = {e["extensionExtraInfo"]["field"] for e in answer.json["errors"]}
    assert fields == {
        "sessionRequest.billingAddress.country",
        "sessionRequest.billingAddress.email",
        "sessionRequest.transactionType",
    }
    assert {e["code"] for e in answer.json["errors"]} == {"InvalidInput"}
    assert nuvei_calls(nuvei_answers) == []


def test_a_nuvei_refusal_is_an_invalid_operation(client, nuvei_api):
    nuvei_api.expect_request(OPEN_ORDER).respond_with_json(
        {"status": "ERROR", "errCode": 1004, "reason": "Invalid currency"}
    )
    answer = call(client, payment_json())
    assert answer.status_code == 400
    [error] = answer.json["errors"]
    assert error["code"] == "InvalidOperation"
    assert "Invalid currency" in error["message"]
    assert error["extensionExtraInfo"]["provider"] == "nuvei"
    assert error["extensionExtraInfo"]["code"] == "1004"


def test_a_failing_nuvei_is_general(client, nuvei_api):
    nuvei_api.expect_request(OPEN_ORDER).respond_with_data("busy", status=503)
    answer = call(client, payment_json())
    assert answer.status_code == 400
    assert answer.json["errors"][0]["code"] == "General"


def test_a_slow_nuvei_is_general_within_the_provider_timeout(impatient_client, nuvei_api):
    nuvei_api.expect_request(OPEN_ORDER).respond_with_handler(lambda request: time.sleep(1) or Response("{}"))
    started = time.monotonic()
    answer = call(impatient_client, payment_json())
    assert answer.json["errors"][0]["code"] == "General"
    assert time.monotonic() - started < 0.8


def test_a_disabled_provider_is_invalid_input(client_without_nuvei):
    answer = call(client_without_nuvei, payment_json())
    assert answer.status_code == 400
    assert answer.json["errors"][0]["extensionExtraInfo"]["field"] == "paymentMethodInfo.paymentInterface"


def test_an_unexpected_failure_is_still_commercetools_shaped(client, monkeypatch):
    monkeypatch.setattr(Nuvei, "open_session", lambda *args: 1 / 0)
    answer = call(client, payment_json())
    assert answer.status_code == 400
    assert answer.json == {"errors": [{"code": "General", "message": "the payment connector failed; try again"}]}


def test_unknown_routes_answer_json(client):
    answer = client.get("/nowhere")
    assert answer.status_code == 404 and "message" in answer.json


def test_a_payment_with_a_foreign_custom_type_is_refused_before_nuvei(client, nuvei_answers, commercetools_api):
    commercetools_api.get(f"{API}/types/merchant-type", json=type_json("merchant-type", field_names=("giftMessage",)))
    payment = payment_json(custom_fields={"giftMessage": "Enjoy"}, custom_type_id="merchant-type")
    answer = call(client, payment)
    assert answer.status_code == 400
    [error] = answer.json["errors"]
    assert (error["code"], error["extensionExtraInfo"]["field"]) == ("InvalidInput", "custom.type")
    assert "sessionToken" in error["message"]
    assert nuvei_calls(nuvei_answers) == []


def test_the_merchants_own_type_with_the_connector_fields_is_fine(client, nuvei_answers, commercetools_api):
    fields = ("giftMessage", "sessionRequest", "sessionToken", "redirectUrl", "sessionResponse")
    commercetools_api.get(f"{API}/types/merchant-type", json=type_json("merchant-type", field_names=fields))
    payment = payment_json(custom_fields={"giftMessage": "Enjoy"}, custom_type_id="merchant-type")
    answer = call(client, payment)
    assert answer.status_code == 200
    assert {a["name"] for a in answer.json["actions"] if a["action"] == "setCustomField"} == {
        "sessionToken",
        "sessionResponse",
    }
    # The type is read once per process.
    call(client, payment_json(custom_fields={"giftMessage": "Again"}, custom_type_id="merchant-type"))
    assert sum("/types/merchant-type" in c.request.url for c in commercetools_api.calls) == 1


def test_a_disabled_provider_does_not_block_payments_that_have_a_session(client_without_nuvei):
    answer = call(
        client_without_nuvei, payment_json(custom_fields={"sessionToken": "t"}, interface_id="41"), action="Update"
    )
    assert (answer.status_code, answer.json) == (200, {"actions": []})


def test_a_success_without_a_session_token_is_not_a_session(client, nuvei_api):
    nuvei_api.expect_request(OPEN_ORDER).respond_with_json({"status": "SUCCESS", "orderId": "41"})
    answer = call(client, payment_json())
    assert answer.status_code == 400
    assert answer.json["errors"][0]["code"] == "General"


def test_reading_the_payments_custom_type_shares_the_provider_deadline(
    impatient_client, nuvei_answers, commercetools_api
):
    # A slow commercetools must not push the answer past commercetools' own timeout.
    fields = ("giftMessage", "sessionRequest", "sessionToken", "redirectUrl", "sessionResponse")
    commercetools_api.get(f"{API}/types/merchant-type", json=type_json("merchant-type", field_names=fields))
    answer = call(
        impatient_client, payment_json(custom_fields={"giftMessage": "Enjoy"}, custom_type_id="merchant-type")
    )
    assert answer.status_code == 200
    [type_read] = [c.request for c in commercetools_api.calls if "/types/merchant-type" in c.request.url]
    assert max(type_read.req_kwargs["timeout"]) <= 0.3


# /openOrder/<tenant> with a document of tenants (extension/routes.py).


def a_payment_in(commercetools_api, tenant: str) -> dict:
    """A Nuvei payment that only the tenant's project holds, and the project's answer to
    storing its session."""
    payment = payment_json()
    url = f"{project_api(tenant)}/payments/{payment['id']}"
    commercetools_api.get(url, json=payment)
    fields = {"sessionToken": "stored-token"}
    commercetools_api.post(
        url, json={**payment, "version": 2, "custom": {"type": {"typeId": "type", "id": "t"}, "fields": fields}}
    )
    return payment


def open_order(client, path: str, payment: dict, headers: dict):
    return client.post(
        path, json={"clientUniqueId": payment["id"], "currency": "EUR", "amount": "19.99"}, headers=headers
    )


def test_open_order_at_a_tenants_url_reads_its_project_and_opens_with_its_account(
    tenants_extension, commercetools_api, provider_api
):
    answer = open_order(
        tenants_extension(), "/openOrder/shop-b", a_payment_in(commercetools_api, "shop-b"), tenant_auth("shop-b")
    )
    assert (answer.status_code, answer.json) == (200, {"sessionToken": "stored-token"})
    assert [call.path for call in provider_api.calls] == [f"{nuvei_path('nuvei-b')}/openOrder.do"]


def test_open_order_refuses_another_tenants_credentials(tenants_extension, commercetools_api, provider_api):
    payment = a_payment_in(commercetools_api, "shop-b")
    answer = open_order(tenants_extension(), "/openOrder/shop-b", payment, tenant_auth("shop-a"))
    assert (answer.status_code, answer.json) == (401, {"message": "missing or wrong credentials"})
    assert (list(commercetools_api.calls), provider_api.calls) == ([], [])


def test_open_order_for_an_unknown_tenant_is_a_404_that_touches_nothing(
    tenants_extension, commercetools_api, provider_api
):
    answer = open_order(tenants_extension(), "/openOrder/shop-x", payment_json(), tenant_auth("shop-a"))
    assert (answer.status_code, answer.json) == (404, {"message": "no tenant at /openOrder/shop-x"})
    assert (list(commercetools_api.calls), provider_api.calls) == ([], [])


def test_the_bare_open_order_url_is_the_tenant_default(tenants_extension, commercetools_api):
    client = tenants_extension(WITH_DEFAULT_TENANT)
    payment = a_payment_in(commercetools_api, "default")
    for path in ("/openOrder", "/openOrder/default"):
        assert open_order(client, path, payment, tenant_auth("default")).status_code == 200


def test_the_bare_open_order_url_is_a_404_when_no_tenant_is_named_default(tenants_extension, commercetools_api):
    answer = open_order(tenants_extension(), "/openOrder", payment_json(), tenant_auth("shop-a"))
    assert answer.status_code == 404 and "message" in answer.json
    assert list(commercetools_api.calls) == []
