import pytest

from connector.ctp import Commercetools
from connector.errors import InvalidNotification, NotAuthentic, ProviderDisabled
from connector.http import Deadline
from connector.providers import Providers, read_settings
from connector.providers.base import Call, Notification
from tests.factories import signed_dmn


def call() -> Call:
    """A fresh request context: its deadline starts now, not at import."""
    return Call(Deadline(5), "corr")


@pytest.fixture
def nuvei(settings):
    return Providers.from_settings(settings, Commercetools(settings.commercetools)).get("nuvei")


def test_knows_where_nuvei_calls_back(nuvei):
    assert nuvei.context.notification_url == "https://notifications.example.test/notifications/nuvei"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_signed_dmn_becomes_an_event(nuvei, method):
    fields = signed_dmn()
    notification = Notification(method, form=fields) if method == "POST" else Notification(method, query=fields)
    event = nuvei.read_notification(notification, call())
    assert event.payment_id == "payment-1"
    [change] = event.transactions
    assert (change.type, change.state, change.interaction_id) == (
        "Authorization",
        "Success",
        "711",
    )
    assert "advanceResponseChecksum" not in event.interaction.request


def test_a_tampered_dmn_is_not_authentic(nuvei):
    fields = {**signed_dmn(), "Status": "APPROVED", "totalAmount": "0.01"}
    with pytest.raises(NotAuthentic):
        nuvei.read_notification(Notification("POST", form=fields), call())


def test_signature_is_checked_before_anything_else(nuvei):
    with pytest.raises(NotAuthentic):
        nuvei.read_notification(Notification("POST", form={"clientUniqueId": "p"}), call())


def test_a_dmn_for_another_merchant_site_is_refused(nuvei):
    with pytest.raises(InvalidNotification, match="merchant_site_id"):
        nuvei.read_notification(
            Notification("POST", form=signed_dmn(merchant_id="merchant-1", merchant_site_id="other")), call()
        )


def test_a_disabled_provider_is_named(env):
    for name in ("NUVEI_MERCHANT_ID", "NUVEI_MERCHANT_SITE_ID", "NUVEI_SECRET_KEY"):
        del env[name]
    settings = read_settings(env)
    with pytest.raises(ProviderDisabled) as raised:
        Providers.from_settings(settings, Commercetools(settings.commercetools)).get("nuvei")
    assert raised.value.errors[0].field == "paymentMethodInfo.paymentInterface"
