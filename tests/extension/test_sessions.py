"""Sessions: which payments the extension opens a provider session for, what it checks
before the provider is called, and the one deadline all of an answer's calls share.
Nuvei's API is a local HTTP server; commercetools' types endpoint is stubbed."""

import json
import time

import pytest

from connector.ctp import Commercetools
from connector.errors import InvalidInput, ProviderDisabled
from connector.payment import Payment
from connector.providers import Providers, read_settings
from extension.sessions import CustomTypeFields, Sessions
from tests.factories import CONNECTOR_TYPE_ID, payment_json, type_json

OPEN_ORDER = "/ppp/api/v1/openOrder.do"
TYPES = f"https://api.example.test/shop/types/{CONNECTOR_TYPE_ID}"


@pytest.fixture
def commercetools(settings_with_nuvei_api) -> Commercetools:
    return Commercetools(settings_with_nuvei_api.commercetools)


@pytest.fixture
def settings_with_nuvei_api(nuvei_api, env):
    return read_settings(env)


@pytest.fixture
def sessions(settings_with_nuvei_api, commercetools) -> Sessions:
    providers = Providers.from_settings(settings_with_nuvei_api, commercetools)
    return Sessions(providers, settings_with_nuvei_api.provider_timeout, CustomTypeFields(commercetools))


@pytest.fixture
def nuvei_opens_orders(nuvei_api):
    nuvei_api.expect_request(OPEN_ORDER, method="POST").respond_with_json(
        {"status": "SUCCESS", "sessionToken": "tok-1", "orderId": "410000001"}
    )
    return nuvei_api


def payment(**fields) -> Payment:
    return Payment.from_json(payment_json(**fields))


@pytest.mark.parametrize("interface", ["nuvei", "NUVEI", "Kustom", "optty"])
def test_payments_of_every_registered_interface_are_handled_in_any_case(sessions, interface):
    assert sessions.handles(payment_json(interface=interface))


@pytest.mark.parametrize(
    "payment_method_info",
    [{}, {"paymentInterface": "stripe"}, {"paymentInterface": 42}, "nuvei", None],
)
def test_other_payments_are_not_handled(sessions, payment_method_info):
    assert not sessions.handles({**payment_json(), "paymentMethodInfo": payment_method_info})


def test_a_new_payment_gets_a_session_from_its_provider(sessions, nuvei_opens_orders, commercetools_api):
    commercetools_api.get(TYPES, json=type_json())
    actions = sessions.extension_actions(payment(session_request={}), "corr-1")
    assert {"action": "setInterfaceId", "interfaceId": "410000001"} in actions
    assert len(nuvei_opens_orders.log) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"interface_id": "410000001"},
        {"custom_fields": {"sessionToken": "tok-0"}},
        {"custom_fields": {"redirectUrl": "x"}},
    ],
)
def test_a_payment_that_has_a_session_is_left_alone(sessions, nuvei_api, fields):
    assert sessions.extension_actions(payment(**fields), "corr-1") == []
    assert nuvei_api.log == []


def test_a_payment_of_another_interface_gets_no_actions(sessions, nuvei_api):
    assert sessions.extension_actions(payment(interface="stripe"), "corr-1") == []
    assert nuvei_api.log == []


def test_a_registered_provider_without_credentials_is_refused(sessions, nuvei_api):
    with pytest.raises(ProviderDisabled) as refused:
        sessions.extension_actions(payment(interface="Kustom"), "corr-1")
    assert refused.value.errors[0].field == "paymentMethodInfo.paymentInterface"
    assert nuvei_api.log == []


@pytest.mark.parametrize("currency", ["XXX", "XTS", "ZZZ"])
def test_a_currency_iso_4217_does_not_name_is_refused_before_any_call(sessions, nuvei_api, currency):
    with pytest.raises(InvalidInput) as refused:
        sessions.extension_actions(payment(currency=currency), "corr-1")
    assert refused.value.errors[0].field == "amountPlanned.currencyCode"
    assert nuvei_api.log == []


def test_a_custom_type_without_the_connectors_fields_is_refused_before_the_provider(
    sessions, nuvei_api, commercetools_api
):
    commercetools_api.get(TYPES, json=type_json(field_names=("sessionRequest", "sessionToken")))
    with pytest.raises(InvalidInput) as refused:
        sessions.extension_actions(payment(session_request={}), "corr-1")
    assert refused.value.errors[0].field == "custom.type"
    assert "redirectUrl, sessionResponse" in refused.value.errors[0].message
    assert nuvei_api.log == []


def test_a_complete_custom_type_is_read_once_per_process(sessions, nuvei_opens_orders, commercetools_api):
    read = commercetools_api.get(TYPES, json=type_json())
    for _ in range(3):
        sessions.extension_actions(payment(session_request={}), "corr-1")
    assert read.call_count == 1
    assert len(nuvei_opens_orders.log) == 3


def test_an_incomplete_custom_type_is_read_again_until_it_has_the_fields(sessions, nuvei_api, commercetools_api):
    incomplete = commercetools_api.get(TYPES, json=type_json(field_names=("sessionRequest",)))
    for _ in range(2):
        with pytest.raises(InvalidInput):
            sessions.extension_actions(payment(session_request={}), "corr-1")
    assert incomplete.call_count == 2


def test_every_call_of_one_answer_shares_the_provider_timeout(sessions, nuvei_opens_orders, commercetools_api):
    def slow_type_read(_request):
        time.sleep(0.3)
        return 200, {}, json.dumps(type_json())

    commercetools_api.add_callback("GET", TYPES, callback=slow_type_read)
    seen = []
    provider = sessions.providers.get("nuvei")
    opened = provider.open_session
    provider.open_session = lambda payment, call: seen.append(call.deadline.remaining()) or opened(payment, call)
    sessions.extension_actions(payment(session_request={}), "corr-1")
    # The provider call gets what the custom type's read left of the one deadline.
    [remaining] = seen
    assert sessions.timeout - 1 < remaining <= sessions.timeout - 0.3
