"""The extension's app factory with a document of tenants: each tenant's providers call
with its own account and give the providers callback URLs that carry the tenant, and the
tenants of one account share its client. (Without a document the callback URL is the
bare one: test_routes.py.)"""

import pytest

from connector.providers.nuvei.signature import OPEN_ORDER_FIELDS, checksum
from extension.app import create_app
from tests.factories import extension_call, payment_json
from tests.tenant_documents import (
    TWO_TENANTS,
    nuvei_merchant,
    nuvei_path,
    nuvei_secret,
    tenant_auth,
)


def order_sent(tenants_extension, provider_api, tenant: str, account: str) -> dict:
    """What the tenant's Nuvei account was sent for a new payment at the tenant's URL."""
    answer = tenants_extension().post(
        f"/extension/{tenant}", json=extension_call(payment_json()), headers=tenant_auth(tenant)
    )
    assert answer.status_code == 200
    [sent] = provider_api.calls_to(f"{nuvei_path(account)}/openOrder.do")
    return sent.json()


@pytest.mark.parametrize(("tenant", "account"), TWO_TENANTS.items())
def test_a_tenants_provider_calls_are_made_with_its_own_account(tenants_extension, provider_api, tenant, account):
    sent = order_sent(tenants_extension, provider_api, tenant, account)
    assert sent["merchantId"] == nuvei_merchant(account)
    assert sent["checksum"] == checksum(sent, OPEN_ORDER_FIELDS, nuvei_secret(account))
    assert len(provider_api.calls) == 1  # the other account's Nuvei is not asked


@pytest.mark.parametrize(("tenant", "account"), TWO_TENANTS.items())
def test_the_callback_url_given_to_the_provider_carries_the_tenant(tenants_extension, provider_api, tenant, account):
    sent = order_sent(tenants_extension, provider_api, tenant, account)
    assert sent["urlDetails"]["notificationUrl"] == f"https://notifications.example.test/notifications/nuvei/{tenant}"


def nuvei_clients(tenants_configuration, tenants: dict) -> dict:
    """Each tenant's Nuvei client in the extension built for `tenants`."""
    served = create_app(configuration=tenants_configuration(tenants)).wsgi_app.tenants
    return {name: tenant.sessions.providers.get("nuvei").client for name, tenant in served.items()}


def test_the_tenants_of_one_account_share_its_client(tenants_configuration):
    clients = nuvei_clients(tenants_configuration, {"shop-a": "nuvei-eu", "shop-b": "nuvei-eu", "shop-c": "nuvei-fr"})
    assert clients["shop-a"] is clients["shop-b"]
    assert clients["shop-c"] is not clients["shop-a"]
