"""The tenants document: YAML with ${env:} and ${file:} references, account keys that
follow from the providers' variables, and every problem reported at its place, without
a secret's value."""

import pytest

from connector.configuration import provider_keys
from connector.environment import ConfigError, Environment
from connector.providers import REGISTRY
from connector.settings import Settings
from connector.tenants import ConfigProblems, read_document, tenants_from_document

PROVIDERS = provider_keys()
DEPLOYMENT = {"NOTIFICATION_PUBLIC_URL": "https://notify.example.test", "PROVIDER_TIMEOUT_MS": "3000"}
SECRETS = {"CTP_SHOP_DE_SECRET": "ctp-de-secret-value", "KUSTOM_SE_KEY": "kustom-se-key-value"}


def check_account(provider: str, variables):
    REGISTRY[provider].config_from_env(Environment(variables))


def check_tenant(variables):
    Settings.from_env(variables, REGISTRY).require("EXTENSION_USERNAME", "EXTENSION_PASSWORD")


def document(tmp_path, **changes) -> dict:
    secret_file = tmp_path / "nuvei-eu"
    secret_file.write_text("nuvei-secret-value\n")
    described = {
        "accounts": {
            "nuvei-eu": {
                "provider": "nuvei",
                "merchantId": "1234",
                "merchantSiteId": 5678,
                "secretKey": f"${{file:{secret_file}}}",
            },
            "kustom-se": {"provider": "kustom", "apiKey": "${env:KUSTOM_SE_KEY}"},
        },
        "tenants": {
            "shop-de": tenant("shop-de-prod", providers={"nuvei": "nuvei-eu", "kustom": "kustom-se"}),
            "shop-at": tenant("shop-at-prod", providers={"nuvei": "nuvei-eu"}),
        },
    }
    described.update(changes)
    return described


def tenant(project: str, providers: dict, **commercetools) -> dict:
    return {
        "commercetools": {
            "projectKey": project,
            "clientId": f"{project}-connector",
            "clientSecret": "${env:CTP_SHOP_DE_SECRET}",
            "apiUrl": "https://api.europe-west1.gcp.commercetools.com",
            "authUrl": "https://auth.europe-west1.gcp.commercetools.com",
            **commercetools,
        },
        "extension": {"username": project, "password": "extension-password-value"},
        "providers": providers,
    }


def read(described, environ=None):
    return tenants_from_document(
        described, {**DEPLOYMENT, **SECRETS, **(environ or {})}, PROVIDERS, check_account, check_tenant
    )


def problems(described, environ=None) -> list[str]:
    with pytest.raises(ConfigProblems) as refused:
        read(described, environ)
    text = str(refused.value)
    for secret in [*SECRETS.values(), "nuvei-secret-value", "extension-password-value"]:
        assert secret not in text
    return list(refused.value.problems)


def test_each_tenant_stands_for_the_variables_of_one_deployment_without_a_document(tmp_path):
    read_tenants = read(document(tmp_path)).tenants
    assert set(read_tenants) == {"shop-de", "shop-at"}
    shop_de = read_tenants["shop-de"]
    settings = Settings.from_env(shop_de.environ, REGISTRY)
    assert settings.commercetools.project_key == "shop-de-prod"
    assert settings.commercetools.client_secret == "ctp-de-secret-value"  # ${env:...}
    assert settings.providers["nuvei"].secret_key == "nuvei-secret-value"  # ${file:...}, final newline dropped
    assert settings.providers["nuvei"].merchant_site_id == "5678"
    assert settings.providers["kustom"].api_key == "kustom-se-key-value"
    assert settings.provider_timeout_ms == 3000  # the deployment's own variables
    assert shop_de.accounts == {"nuvei": "nuvei-eu", "kustom": "kustom-se"}
    assert set(Settings.from_env(read_tenants["shop-at"].environ, REGISTRY).providers) == {"nuvei"}


def test_a_file_reference_drops_only_the_final_newline(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("  spaced key \n\n")
    described = document(tmp_path)
    described["accounts"]["kustom-se"]["apiKey"] = f"${{file:{key_file}}}"
    environ = read(described).tenants["shop-de"].environ
    assert environ["KUSTOM_API_KEY"] == "  spaced key \n"


def test_every_problem_is_named_at_its_place_at_once(tmp_path):
    described = document(tmp_path)
    described["accounts"]["nuvei-eu"]["merchantId"] = "${env:NOT_THERE}"
    described["accounts"]["kustom-se"]["colour"] = "blue"
    described["accounts"]["paynova-x"] = {"provider": "paynova", "merchantId": "m"}
    described["tenants"]["shop-de"]["providers"]["nuvei"] = "nuvei-x"
    described["tenants"]["shop-at"]["providers"]["optty"] = "kustom-se"
    described["tenants"]["shop-at"]["commercetools"]["apiUrl"] = "ftp://api.example.test"
    found = problems(described)
    assert found == [
        "accounts.nuvei-eu.merchantId: ${env:NOT_THERE} is not set",
        "accounts.nuvei-eu: a nuvei account needs merchantId",
        "accounts.kustom-se.colour: unknown key; one of apiKey, apiUrl",
        "accounts.paynova-x: a paynova account needs apiPassword, secretKey",
        "tenants.shop-de.providers.nuvei: no account 'nuvei-x'",
        "tenants.shop-at.providers.optty: account 'kustom-se' is a kustom account",
        "tenants.shop-at.commercetools.apiUrl must be an http(s) URL, got 'ftp://api.example.test'",
    ]


def test_two_tenants_may_not_name_one_project(tmp_path):
    described = document(tmp_path)
    described["tenants"]["shop-at"]["commercetools"]["projectKey"] = "shop-de-prod"
    assert problems(described) == [
        "tenants.shop-at.commercetools: names the same project as tenant shop-de: shop-de-prod"
    ]


def test_a_nexway_account_serves_one_tenant(tmp_path):
    described = document(tmp_path)
    described["accounts"]["nexway-eu"] = {
        "provider": "nexway",
        "secret": "s",
        "clientSecret": "c",
        "realm": "r",
        "notificationUsername": "u",
        "notificationPassword": "p",
    }
    for name in ("shop-de", "shop-at"):
        described["tenants"][name]["providers"]["nexway"] = "nexway-eu"
    [problem] = problems(described)
    assert problem.startswith("accounts.nexway-eu: a nexway account serves one tenant")
    assert problem.endswith("not shop-at, shop-de")


def test_names_keys_and_sections_are_checked(tmp_path):
    described = document(tmp_path, colours={})
    described["tenants"]["Shop_DE"] = described["tenants"].pop("shop-de")
    del described["tenants"]["shop-at"]["extension"]
    described["tenants"]["shop-at"]["commercetools"]["region"] = "eu"
    found = problems(described)
    assert "colours: unknown key" in found
    assert any(problem.startswith("tenants.Shop_DE: a name is lower case") for problem in found)
    assert "tenants.shop-at.extension: is required" in found
    assert any(problem.startswith("tenants.shop-at.commercetools.region: unknown key") for problem in found)


def test_a_tenants_own_settings_beside_a_document_are_refused(tmp_path):
    found = problems(document(tmp_path), {"CTP_PROJECT_KEY": "p", "NUVEI_SECRET_KEY": "nuvei-secret-value"})
    assert found == [
        "CTP_PROJECT_KEY: is set, but with a configuration document every tenant's settings are in it",
        "NUVEI_SECRET_KEY: is set, but with a configuration document every tenant's settings are in it",
    ]


def test_the_operations_credentials_are_optional(tmp_path):
    assert read(document(tmp_path)).operations is None
    guarded = document(tmp_path, operations={"username": "ops", "password": "${env:KUSTOM_SE_KEY}"})
    assert read(guarded).operations == ("ops", "kustom-se-key-value")


def test_the_document_comes_from_a_file_or_a_variable_not_both(tmp_path):
    path = tmp_path / "connector.yaml"
    path.write_text("tenants: {}\naccounts: {}\n")
    assert read_document({"CONNECTOR_CONFIG_FILE": str(path)}) == {"tenants": {}, "accounts": {}}
    assert read_document({"CONNECTOR_CONFIG": '{"tenants": {}}'}) == {"tenants": {}}  # JSON is YAML too
    assert read_document({}) is None
    with pytest.raises(ConfigError, match="not both"):
        read_document({"CONNECTOR_CONFIG_FILE": str(path), "CONNECTOR_CONFIG": "{}"})


def test_a_yaml_error_names_the_place_without_quoting_the_document():
    with pytest.raises(ConfigError) as refused:
        read_document({"CONNECTOR_CONFIG": "accounts:\n  a: {apiKey: 'sekret-value\n"})
    assert "line" in str(refused.value)
    assert "sekret-value" not in str(refused.value)
