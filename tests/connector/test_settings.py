import pytest

from connector.environment import ConfigError
from connector.providers import read_settings


def test_reads_a_complete_configuration(env):
    settings = read_settings(env)
    assert settings.commercetools.project_key == "shop"
    assert settings.commercetools.scopes == ("manage_project:shop",)
    assert settings.provider_timeout_ms == 5000
    assert set(settings.providers) == {"nuvei"}
    assert settings.providers["nuvei"].api_url == "https://nuvei.example.test/ppp/api/v1"


@pytest.mark.parametrize(
    "variable", ["CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET", "CTP_API_URL", "CTP_AUTH_URL"]
)
def test_a_missing_commercetools_setting_is_named(env, variable):
    del env[variable]
    with pytest.raises(ConfigError, match=f"^{variable} is required$"):
        read_settings(env)


def test_blank_counts_as_missing(env):
    env["CTP_CLIENT_ID"] = "  "
    with pytest.raises(ConfigError, match="CTP_CLIENT_ID"):
        read_settings(env)


@pytest.mark.parametrize("value", ["api.example.test", "ftp://api.example.test", "https://"])
def test_a_malformed_url_is_named(env, value):
    env["CTP_API_URL"] = value
    with pytest.raises(ConfigError, match="CTP_API_URL must be an http"):
        read_settings(env)


def test_plain_http_only_on_this_machine(env):
    env["NUVEI_API_URL"] = "http://nuvei.example.test/ppp/api/v1"
    with pytest.raises(ConfigError, match="NUVEI_API_URL must use https"):
        read_settings(env)
    env["NUVEI_API_URL"] = "http://localhost:8990/nuvei"
    assert read_settings(env).providers["nuvei"].api_url == "http://localhost:8990/nuvei"


def test_trailing_slashes_are_dropped(env):
    env["NUVEI_API_URL"] = "https://nuvei.example.test/ppp/api/v1/"
    assert read_settings(env).providers["nuvei"].api_url == "https://nuvei.example.test/ppp/api/v1"


def test_provider_without_credentials_is_disabled(env):
    for name in ("NUVEI_MERCHANT_ID", "NUVEI_MERCHANT_SITE_ID", "NUVEI_SECRET_KEY"):
        del env[name]
    assert read_settings(env).providers == {}


def test_partial_provider_credentials_name_the_missing_one(env):
    del env["NUVEI_SECRET_KEY"]
    with pytest.raises(ConfigError, match="NUVEI_SECRET_KEY is required when NUVEI_MERCHANT_ID is set"):
        read_settings(env)


def test_nuvei_defaults_to_its_test_host(env):
    del env["NUVEI_API_URL"]
    assert read_settings(env).providers["nuvei"].api_url == "https://ppp-test.nuvei.com/ppp/api/v1"


@pytest.mark.parametrize(("value", "message"), [("soon", "whole number"), ("50", "between"), ("60000", "between")])
def test_provider_timeout_is_checked(env, value, message):
    env["PROVIDER_TIMEOUT_MS"] = value
    with pytest.raises(ConfigError, match=f"PROVIDER_TIMEOUT_MS must be .*{message}"):
        read_settings(env)


def test_log_level(env):
    env["LOG_LEVEL"] = "debug"
    assert read_settings(env).log_level == "DEBUG"
    env["LOG_LEVEL"] = "chatty"
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        read_settings(env)


def test_scopes_accept_commas_and_spaces(env):
    env["CTP_SCOPES"] = "manage_payments:shop, manage_types:shop view_project_settings:shop"
    assert read_settings(env).commercetools.scopes == (
        "manage_payments:shop",
        "manage_types:shop",
        "view_project_settings:shop",
    )


def test_require_names_the_first_missing_setting(env):
    del env["NOTIFICATION_PUBLIC_URL"]
    settings = read_settings(env)
    with pytest.raises(ConfigError, match=r"^NOTIFICATION_PUBLIC_URL is required$"):
        settings.require("EXTENSION_USERNAME", "NOTIFICATION_PUBLIC_URL")


@pytest.mark.parametrize("variable", ["EXTENSION_USERNAME", "EXTENSION_PASSWORD"])
def test_extension_credentials_name_the_missing_one(env, variable):
    assert read_settings(env).extension_credentials() == (env["EXTENSION_USERNAME"], env["EXTENSION_PASSWORD"])
    del env[variable]
    with pytest.raises(ConfigError, match=f"^{variable} is required$"):
        read_settings(env).extension_credentials()


def test_secrets_stay_out_of_repr(settings):
    text = repr(settings)
    assert "ctp-secret-value" not in text and "extension-secret-value" not in text and "nuvei-secret-value" not in text


def test_local_targets_are_recognised(env):
    assert not read_settings(env).commercetools.is_local
    env["CTP_API_URL"] = env["CTP_AUTH_URL"] = "http://127.0.0.1:8989"
    assert read_settings(env).commercetools.is_local
