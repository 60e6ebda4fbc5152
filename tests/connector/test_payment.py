import pytest

from connector.errors import InvalidInput
from connector.payment import Payment
from tests.factories import payment_json, transaction_json


def test_reads_what_the_connector_uses():
    data = payment_json(
        cent_amount=1500,
        currency="KWD",
        fraction_digits=3,
        interface="Nuvei",
        session_request={"userTokenId": "u1"},
        transactions=[transaction_json(interaction_id="T-9")],
        interface_id="order-1",
        status_code="APPROVED",
        version=7,
    )
    payment = Payment.from_json(data)
    assert payment.id == data["id"] and payment.version == 7
    assert payment.amount_planned.decimal_text() == "1.500"
    assert payment.provider_name == "nuvei"
    assert payment.session_request() == {"userTokenId": "u1"}
    assert payment.transaction("T-9", "Authorization").state == "Success"
    assert payment.transaction("T-9", "Charge") is None
    assert payment.interface_id == "order-1" and payment.status_code == "APPROVED"


def test_fraction_digits_default_from_the_currency():
    assert Payment.from_json(payment_json(currency="JPY", fraction_digits=None)).amount_planned.fraction_digits == 0


def test_no_custom_type_reads_as_none():
    payment = Payment.from_json(payment_json())
    assert payment.custom_fields is None
    assert payment.session_request() == {}
    assert not payment.has_session


@pytest.mark.parametrize(
    "fields",
    [{"sessionToken": "t"}, {"redirectUrl": "https://pay.example.test"}],
)
def test_a_token_or_redirect_means_a_session_exists(fields):
    assert Payment.from_json(payment_json(custom_fields=fields)).has_session


def test_an_interface_id_means_a_session_exists():
    assert Payment.from_json(payment_json(interface_id="410000001")).has_session


def test_invalid_fields_are_named_with_their_path():
    data = payment_json()
    data["amountPlanned"]["centAmount"] = "lots"
    data["amountPlanned"]["currencyCode"] = "euro"
    del data["version"]
    with pytest.raises(InvalidInput) as raised:
        Payment.from_json(data)
    assert {error.field for error in raised.value.errors} == {
        "amountPlanned.centAmount",
        "amountPlanned.currencyCode",
        "version",
    }


def test_unknown_fields_are_ignored():
    data = payment_json()
    data["somethingNew"] = {"nested": True}
    assert Payment.from_json(data).id == data["id"]


@pytest.mark.parametrize(("raw", "message"), [("{not json", "not valid JSON"), ("[1, 2]", "JSON object")])
def test_unusable_session_request(raw, message):
    payment = Payment.from_json(payment_json(session_request=raw))
    with pytest.raises(InvalidInput, match=message) as raised:
        payment.session_request()
    assert raised.value.errors[0].field == "sessionRequest"
