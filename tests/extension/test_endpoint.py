"""POST /extension/<tenant> with a document of tenants: each tenant's URL behind its own
credentials, the bare URL the tenant `default`'s, and a tenant the deployment lacks a 404
in commercetools' error format that touches nothing. (The extension call itself, on a
deployment of one tenant: test_routes.py.)"""

import pytest

from tests.factories import extension_call, payment_json
from tests.tenant_documents import TWO_TENANTS, WITH_DEFAULT_TENANT, tenant_auth


def create(client, path: str, headers: dict):
    return client.post(path, json=extension_call(payment_json()), headers=headers)


def session_token(answer) -> str:
    [custom_type] = [action for action in answer.json["actions"] if action["action"] == "setCustomType"]
    return custom_type["fields"]["sessionToken"]


@pytest.mark.parametrize(("tenant", "account"), TWO_TENANTS.items())
def test_a_tenants_url_opens_with_its_credentials_and_serves_its_sessions(tenants_extension, tenant, account):
    answer = create(tenants_extension(), f"/extension/{tenant}", tenant_auth(tenant))
    assert answer.status_code == 200
    assert session_token(answer) == f"{account}-token"


def test_another_tenants_credentials_are_refused_in_commercetools_format(tenants_extension, provider_api):
    answer = create(tenants_extension(), "/extension/shop-b", tenant_auth("shop-a"))
    assert answer.status_code == 401
    assert answer.json["errors"][0]["code"] == "Unauthorized"
    assert provider_api.calls == []


def test_an_unknown_tenant_is_a_404_in_commercetools_format_that_touches_nothing(
    tenants_extension, commercetools_api, provider_api
):
    answer = create(tenants_extension(), "/extension/shop-x", tenant_auth("shop-a"))
    assert answer.status_code == 404
    assert answer.json == {"errors": [{"code": "InvalidInput", "message": "no tenant at /extension/shop-x"}]}
    assert (list(commercetools_api.calls), provider_api.calls) == ([], [])


@pytest.mark.parametrize("path", ["/extension", "/extension/default"])
def test_a_tenant_named_default_answers_at_the_bare_url_too(tenants_extension, path):
    answer = create(tenants_extension(WITH_DEFAULT_TENANT), path, tenant_auth("default"))
    assert answer.status_code == 200
    assert session_token(answer) == "nuvei-a-token"


def test_the_bare_url_is_a_404_when_no_tenant_is_named_default(tenants_extension, provider_api):
    answer = create(tenants_extension(), "/extension", tenant_auth("shop-a"))
    assert answer.status_code == 404
    assert answer.json["errors"][0]["code"] == "InvalidInput"
    assert provider_api.calls == []


def test_a_payment_for_a_provider_the_tenant_does_not_use_names_its_missing_account(tenants_extension, provider_api):
    answer = create(
        tenants_extension({"shop-a": "nuvei-a", "shop-b": None}), "/extension/shop-b", tenant_auth("shop-b")
    )
    assert answer.status_code == 400
    [error] = answer.json["errors"]
    assert error["code"] == "InvalidInput"
    assert error["message"].endswith("the nuvei provider is not configured: set tenants.shop-b.providers.nuvei")
    assert provider_api.calls == []
