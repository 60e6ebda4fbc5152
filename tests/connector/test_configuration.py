"""The deployment's tenants: the variables' one tenant `default` without a document, each
tenant of the document with its own settings with one."""

import pytest

from connector.configuration import described_tenants, read_configuration
from connector.environment import ConfigError
from connector.tenants import ConfigProblems
from tests.tenant_documents import DEPLOYMENT_ENV, OPERATIONS, configuration, document, extension_password, nuvei_secret


def test_without_a_document_the_variables_are_the_one_tenant_default(env):
    read = read_configuration(env)
    [tenant] = read.tenants.values()
    assert (tenant.name, read.from_document, read.path_of(tenant)) == ("default", False, None)
    assert tenant.settings.commercetools.project_key == "shop"
    assert tenant.accounts == {"nuvei": "nuvei"}


def test_without_a_document_the_extension_credentials_guard_the_operations_endpoints(env):
    assert read_configuration(env).operations == ("commercetools", "extension-secret-value")
    del env["EXTENSION_PASSWORD"]
    assert read_configuration(env).operations is None


def test_without_a_document_no_tenants_are_described(env):
    assert described_tenants(env) is None


def test_every_tenant_of_a_document_has_its_own_settings_and_urls():
    read = configuration(document())
    assert read.from_document
    for name, account in (("shop-a", "nuvei-a"), ("shop-b", "nuvei-b")):
        tenant = read.tenants[name]
        assert read.path_of(tenant) == name
        assert tenant.settings.commercetools.project_key == name
        assert tenant.settings.commercetools.client_secret == f"{name}-ctp-secret"
        assert tenant.settings.extension_credentials() == (name, extension_password(name))
        assert tenant.settings.providers["nuvei"].secret_key == nuvei_secret(account)
        assert tenant.accounts == {"nuvei": account}


def test_a_tenant_has_only_the_providers_it_lists():
    read = configuration(document({"shop-a": "nuvei-a", "shop-b": None}))
    assert list(read.tenants["shop-a"].settings.providers) == ["nuvei"]
    assert (read.tenants["shop-b"].settings.providers, read.tenants["shop-b"].accounts) == ({}, {})


def test_tenants_that_share_an_account_have_its_settings_and_name():
    read = configuration(document({"shop-a": "nuvei-eu", "shop-b": "nuvei-eu"}))
    shop_a, shop_b = read.tenants["shop-a"], read.tenants["shop-b"]
    assert shop_a.accounts == shop_b.accounts == {"nuvei": "nuvei-eu"}
    assert shop_a.settings.providers["nuvei"] == shop_b.settings.providers["nuvei"]


def test_the_operations_credentials_are_the_documents_and_no_tenants():
    assert configuration(document(operations=OPERATIONS)).operations == ("operations", "operations-password")
    assert configuration(document()).operations is None


def test_the_deployment_settings_are_the_variables_beside_the_document():
    read = configuration(document(), PROVIDER_TIMEOUT_MS="3000", LOG_LEVEL="warning")
    deployment = read.deployment
    assert (deployment.provider_timeout_ms, deployment.log_level) == (3000, "WARNING")
    assert deployment.notification_public_url == DEPLOYMENT_ENV["NOTIFICATION_PUBLIC_URL"]
    assert {tenant.settings.provider_timeout_ms for tenant in read.tenants.values()} == {3000}


def test_a_tenants_own_variables_beside_a_document_stop_start_up_naming_them():
    beside = {"CTP_PROJECT_KEY": "shop", "EXTENSION_PASSWORD": "extension-secret", "NUVEI_SECRET_KEY": "nuvei-secret"}
    with pytest.raises(ConfigProblems) as refused:
        configuration(document(), **beside)
    assert [problem.split(":")[0] for problem in refused.value.problems] == sorted(beside)
    assert "extension-secret" not in str(refused.value) and "nuvei-secret" not in str(refused.value)


def test_a_setting_a_service_requires_is_named_when_the_tenants_lack_it():
    read = configuration(document(), NOTIFICATION_PUBLIC_URL="")
    with pytest.raises(ConfigError, match="NOTIFICATION_PUBLIC_URL is required"):
        read.require("NOTIFICATION_PUBLIC_URL")
