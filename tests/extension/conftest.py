import pytest

from extension.app import create_app
from tests.tenant_documents import TWO_TENANTS, nuvei_opens_orders


@pytest.fixture
def tenants_extension(tenants_configuration, commercetools_api, provider_api):
    """Builds the extension's test client for a document of tenants (by default
    TWO_TENANTS), each tenant's Nuvei account opening orders."""
    nuvei_opens_orders(provider_api, "nuvei-a", "nuvei-b")
    return lambda tenants=TWO_TENANTS: create_app(configuration=tenants_configuration(tenants)).test_client()
